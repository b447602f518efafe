/**
 * `/llmlb/tunnel/1.0.0` between two real libp2p meshes (pnet + Noise + yamux on 127.0.0.1): a TCP
 * client on one node reaches a TCP server on the other through `bridgeSocket` on both ends, with
 * back-pressure (megabytes through a paused reader), half-close, refusal by the service's handler,
 * reset propagation, and no way in for a node with another cluster key.
 */
import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { generateClusterKey, TunnelError, type MeshTunnel } from '../../../mesh/src/index.js'
import { bridgeSocket } from '../../../agent/src/sharding/lease/bridge-socket.js'
import { within } from '../../helpers/within.js'
import { hostPort, startNode, stopAll, stopNode, waitForFullMesh } from './helpers.js'

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) s.close()
  await stopAll()
})

async function listen(onSocket: (s: Socket) => void): Promise<number> {
  const server = createServer({ allowHalfOpen: true }, onSocket)
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

/** Node b serves `service` by bridging each tunnel to a fresh connection to `port` on its loopback. */
async function pairWithService(service: string, port: number) {
  const key = generateClusterKey()
  const a = await startNode('a', { clusterKey: key })
  const b = await startNode('b', { clusterKey: key, peers: [hostPort(a)] })
  await waitForFullMesh([a, b])
  const accepted: MeshTunnel[] = []
  b.handleTunnel(service, async (tunnel, from) => {
    expect(from).toBe(a.peerId())
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true })
    await once(socket, 'connect')
    accepted.push(tunnel)
    bridgeSocket(socket, tunnel)
  })
  return { a, b, key, accepted }
}

/** A loopback port on node a whose connections are each bridged to a new tunnel to b's service (collected in `opened`). */
async function entry(a: Awaited<ReturnType<typeof pairWithService>>['a'], to: string, service: string, opened: MeshTunnel[] = []): Promise<number> {
  return listen(socket => {
    socket.pause()
    a.openTunnel(to, service).then(t => { opened.push(t); bridgeSocket(socket, t); socket.resume() }, () => socket.destroy())
  })
}

async function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  await within(once(socket, 'end'), 'the tunnelled socket to end')
  return Buffer.concat(chunks)
}

describe('mesh tunnel (real libp2p)', () => {
  it('carries megabytes both ways with back-pressure and half-close, and counts the bytes', async () => {
    // the far server reads everything before it answers: the client's writes must be held back, not lost
    const echoPort = await listen(socket => {
      const chunks: Buffer[] = []
      socket.on('data', (c: Buffer) => chunks.push(c))
      socket.on('end', () => socket.end(Buffer.concat(chunks).reverse()))
    })
    const { a, b, accepted } = await pairWithService('echo', echoPort)
    const port = await entry(a, b.peerId(), 'echo')
    const payload = randomBytes(12 * 1024 * 1024)
    const client = connect({ host: '127.0.0.1', port, allowHalfOpen: true })
    const received = readAll(client)
    client.end(payload)
    expect((await received).equals(Buffer.from(payload).reverse())).toBe(true)
    expect(accepted).toHaveLength(1)
    expect(accepted[0]?.bytesIn).toBe(payload.byteLength)
    expect(accepted[0]?.bytesOut).toBe(payload.byteLength)
  })

  it('a slow far end holds the writer back: every byte arrives and the tunnel survives', async () => {
    // the far server reads in short bursts with pauses, so the tunnel's writer waits for a drain again
    // and again; a writer that stops waiting overfills libp2p's send buffer, which fails the tunnel
    const total = 48 * 1024 * 1024
    const opened: MeshTunnel[] = []
    let bIn: MeshTunnel[] = []
    const { promise: allRead, resolve } = Promise.withResolvers<number>()
    const port0 = await listen(socket => {
      let read = 0
      socket.on('error', () => {})
      socket.on('data', (c: Buffer) => {
        read += c.byteLength
        if (read >= total) return resolve(read)
        socket.pause()
        setTimeout(() => socket.resume(), 5)
      })
      // a failed tunnel ends the far socket (it allows half-open): that is a short read, not a wait
      socket.on('end', () => resolve(read))
      socket.on('close', () => resolve(read))
    })
    const pair = await pairWithService('sink', port0)
    const { a, b } = pair
    bIn = pair.accepted
    const port = await entry(a, b.peerId(), 'sink', opened)
    const client = connect({ host: '127.0.0.1', port }).on('error', () => {})
    client.write(randomBytes(total))
    expect(await within(allRead, 'the far end to read every byte')).toBe(total)
    expect(opened[0]?.bytesOut).toBe(total)
    client.destroy()
  })

  it('a reader that stops after a resume stops the writer: the paused stream grants no more window', async () => {
    // the far reader takes what the tunnel holds, once, then reads nothing: whatever libp2p buffers
    // for it must stay within one receive window. Granting on while paused grows the buffer until
    // libp2p resets the stream, and the tunnel is lost.
    const total = 64 * 1024 * 1024
    const key = generateClusterKey()
    const a = await startNode('a', { clusterKey: key })
    const b = await startNode('b', { clusterKey: key, peers: [hostPort(a)] })
    await waitForFullMesh([a, b])
    const { promise: far, resolve } = Promise.withResolvers<MeshTunnel>()
    b.handleTunnel('hold', tunnel => { resolve(tunnel) })
    const near = await a.openTunnel(b.peerId(), 'hold')
    // written in small pieces, each its own yamux frame, so the far stream holds many while paused
    const bytes = randomBytes(total)
    const piece = 16 * 1024
    for (let at = piece; at < total; at += piece) near.write(bytes.subarray(at - piece, at))
    const written = new Promise<void>((ok, fail) => near.write(bytes.subarray(total - piece), err => (err ? fail(err) : ok())))
    written.catch(() => {})
    const reader = await within(far, 'the tunnel to be accepted')
    const lost = new Promise<never>((_, fail) => reader.once('close', () => fail(new Error('the far tunnel closed'))))
    lost.catch(() => {})
    // yamux's own counters, read through the tunnel: nothing public says a stream is blocked
    const win = (t: MeshTunnel): { readStatus: string; readBufferLength: number; recvWindow: number; recvWindowCapacity: number; sendWindowCapacity: number } => (t as unknown as { stream: never }).stream
    const blocked = (): boolean => win(reader).readStatus === 'paused' && win(near).sendWindowCapacity === 0 && win(reader).recvWindowCapacity === 0
    const untilBlocked = (what: string): Promise<void> => within(Promise.race([lost, new Promise<void>(ok => {
      const poll = setInterval(() => { if (blocked()) { clearInterval(poll); ok() } }, 10)
      reader.once('close', () => clearInterval(poll))
    })]), what)
    await untilBlocked('the writer to be held back by the unread tunnel')
    // read until the tunnel resumes its stream once: it gets all the stream held, is full again at
    // once, and is read no further
    let got = 0
    const held = reader.bytesIn
    while (reader.bytesIn === held) {
      // what it holds and no more: what the resume brings stays unread
      const chunk = reader.read(reader.readableLength) as Buffer | null
      if (chunk === null) throw new Error('the tunnel had nothing more to give')
      got += chunk.byteLength
    }
    await untilBlocked('the writer to be held back again after one read')
    expect(win(reader).readBufferLength).toBeLessThanOrEqual(win(reader).recvWindow)
    // the rest arrives once the reader reads again
    reader.on('data', (c: Buffer) => { got += c.byteLength })
    await within(Promise.race([lost, written]), 'the writer to finish')
    await within(Promise.race([lost, new Promise<void>(ok => { const check = (): void => { if (got >= total) ok() }; check(); reader.on('data', check) })]), 'every byte to arrive')
    expect(got).toBe(total)
    expect(near.bytesOut).toBe(total)
  })

  it('refuses with the handler reason or for an unknown service; a reset on one side closes the other', async () => {
    const held: Socket[] = []
    const waiters: Array<() => void> = []
    const port = await listen(socket => { held.push(socket); waiters.shift()?.() })
    /** The n-th connection the far server accepted. */
    const accepted = (n: number): Promise<void> => (held.length >= n ? Promise.resolve() : new Promise(resolve => waiters.push(resolve)))
    const { a, b } = await pairWithService('svc', port)
    b.handleTunnel('closed', () => { throw new Error('not the lease holder') })
    await expect(a.openTunnel(b.peerId(), 'closed')).rejects.toMatchObject({ name: 'TunnelError', code: 'refused', message: 'not the lease holder' })
    const unknown = await a.openTunnel(b.peerId(), 'nothing-here').catch((err: unknown) => err)
    expect(unknown).toBeInstanceOf(TunnelError)
    expect(unknown).toMatchObject({ code: 'refused', message: expect.stringContaining('nothing-here') })

    // the far TCP end is reset: the opener's tunnel closes with it
    const tunnel = await a.openTunnel(b.peerId(), 'svc')
    await within(accepted(1), 'the far socket to connect')
    const closed = new Promise(resolve => tunnel.on('close', resolve))
    held[0]?.resetAndDestroy()
    await within(closed, 'the opener tunnel to close after the far reset')

    // the opener destroys its tunnel: the far socket closes
    const second = await a.openTunnel(b.peerId(), 'svc')
    await within(accepted(2), 'the second far socket')
    // the far server sees end of data (it allows half-open, so it decides when to close)
    const farClosed = new Promise(resolve => { held[1]?.on('end', resolve); held[1]?.resume() })
    second.destroy()
    await within(farClosed, 'the far socket to end after the opener destroyed its tunnel')
  })

  it('a node stopping closes the bridges of a half-closed tunnel: the far server learns its connection is gone', async () => {
    // a server like a worker: it answers, and never ends its side of the connection
    const far: Socket[] = []
    const port0 = await listen(socket => { far.push(socket); socket.on('error', () => {}); socket.on('data', (d: Buffer) => socket.write(d)) })
    const { a, b } = await pairWithService('echo', port0)
    const port = await entry(a, b.peerId(), 'echo')
    const client = connect({ host: '127.0.0.1', port, allowHalfOpen: true })
    client.on('error', () => {})
    await once(client, 'connect')
    client.write('ping')
    expect(String((await within(once(client, 'data'), 'the echo')) as [Buffer])).toBe('ping')
    // the client is done sending: the far server sees end of data, and could still answer
    const farSocket = far[0] as Socket
    const farEnded = once(farSocket, 'end')
    client.end()
    await within(farEnded, 'the half-close to reach the far server')
    // the nodes stop: their streams close; no bridge may keep a socket open half-way, so what the far
    // server writes now fails instead of going into a connection nobody reads
    // not events.once: that rejects on the 'error' (EPIPE) that comes first
    const farClosed = new Promise(resolve => farSocket.once('close', resolve))
    await stopNode(a, { leave: false })
    await stopNode(b, { leave: false })
    const writer = setInterval(() => {
      // a failed write is what is expected here: it surfaces as EPIPE, then 'close'
      if (!farSocket.destroyed) farSocket.write('late', () => {})
    }, 20)
    try {
      await within(farClosed, "the far server's socket to close")
    } finally {
      clearInterval(writer)
    }
  })

  it('a node with another cluster key cannot open a tunnel', async () => {
    const port = await listen(socket => socket.end())
    const { a, b } = await pairWithService('svc', port)
    const outsider = await startNode('x', { clusterKey: generateClusterKey(), peers: [hostPort(b)] })
    await expect(outsider.openTunnel(b.peerId(), 'svc')).rejects.toMatchObject({ code: 'peer_unreachable' })
    // the members still can
    const tunnel = await a.openTunnel(b.peerId(), 'svc')
    tunnel.destroy()
  })
})
