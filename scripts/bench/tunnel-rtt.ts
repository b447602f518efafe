/**
 * Part of `npm run bench -- shard`: the round trip of one message through the mesh tunnel against a
 * direct loopback TCP connection, to the same echo server. Two meshes in this process (one event loop
 * for both ends), so the figure is the tunnel's own work per round trip — framing, encryption, socket
 * writes on four traversals — without any scheduling between processes.
 */
import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { pino } from 'pino'
import { generateClusterKey, Libp2pMesh, TEST_MESH_TIMINGS } from '../../mesh/src/index.js'
import { bridgeSocket } from '../../agent/src/sharding/index.js'
import { fmt, percentile, printTable } from './stats.js'

const N = 1000

async function listening(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

/** p50 and p90 (µs) of `N` sequential echoes of `size` bytes on one connection to `port`. */
async function roundTrips(port: number, size: number): Promise<[number, number]> {
  const socket = connect({ host: '127.0.0.1', port })
  socket.setNoDelay(true)
  await once(socket, 'connect')
  const payload = Buffer.alloc(size, 1)
  let pending = 0
  let done: () => void = () => {}
  socket.on('data', (d: Buffer) => {
    pending -= d.length
    if (pending <= 0) done()
  })
  const times: number[] = []
  for (let i = 0; i < N; i++) {
    const answered = new Promise<void>(resolve => { done = resolve })
    pending = size
    const t0 = performance.now()
    socket.write(payload)
    await answered
    times.push((performance.now() - t0) * 1000)
  }
  socket.destroy()
  return [percentile(times, 50), percentile(times, 90)]
}

export async function tunnelRttBench(): Promise<void> {
  const logger = pino({ level: 'warn' })
  // the echo server never ends its side: its sockets are destroyed at the end, or they keep this process alive
  const echoed = new Set<Socket>()
  const echo = createServer({ allowHalfOpen: true }, s => { echoed.add(s); s.setNoDelay(true); s.on('data', d => s.write(d)) })
  const echoPort = await listening(echo)
  const key = generateClusterKey()
  const a = new Libp2pMesh({ logger }, { ...TEST_MESH_TIMINGS, listenHost: '127.0.0.1', port: 0, clusterKey: key })
  await a.start()
  // b dials a: the connection the tunnels ride on
  const b = new Libp2pMesh({ logger }, { ...TEST_MESH_TIMINGS, listenHost: '127.0.0.1', port: 0, clusterKey: key, peers: a.listenAddresses().slice(0, 1) })
  b.handleTunnel('echo', async t => {
    const s = connect({ host: '127.0.0.1', port: echoPort, allowHalfOpen: true })
    await once(s, 'connect')
    bridgeSocket(s, t)
  })
  const entry = createServer({ allowHalfOpen: true }, s => {
    s.pause()
    a.openTunnel(b.peerId(), 'echo').then(t => { bridgeSocket(s, t); s.resume() }, () => s.destroy())
  })
  try {
    await b.start()
    const entryPort = await listening(entry)
    const rows: (string | number)[][] = []
    for (const size of [64, 32 * 1024]) {
      const [d50, d90] = await roundTrips(echoPort, size)
      const [t50, t90] = await roundTrips(entryPort, size)
      rows.push([size, fmt(d50, 0), fmt(d90, 0), fmt(t50, 0), fmt(t90, 0), fmt(t50 - d50, 0)])
    }
    printTable(`shard — one round trip, direct TCP vs mesh tunnel (both ends in this process, ${N} echoes)`, ['bytes', 'direct p50 µs', 'direct p90 µs', 'tunnel p50 µs', 'tunnel p90 µs', 'added p50 µs'], rows)
  } finally {
    entry.close()
    echo.close()
    for (const s of echoed) s.destroy()
    await a.stop({ leave: false })
    await b.stop({ leave: false })
  }
}
