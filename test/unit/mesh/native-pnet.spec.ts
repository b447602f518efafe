/**
 * The cluster key's protector (native XSalsa20) against libp2p's own `@libp2p/pnet`: real libp2p
 * nodes on 127.0.0.1 (TCP, Noise, yamux), one with each protector, must connect and carry bytes of
 * every size both ways unchanged — the wire format is pnet's — and a node with another key must not
 * get a connection at all.
 */
import { randomBytes } from 'node:crypto'
import { noise } from '@libp2p/noise'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { ConnectionProtector, Libp2p, Stream } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import '../../../mesh/src/polyfill.js'
import { generateClusterKey, parseClusterKey } from '../../../mesh/src/transport/cluster-key.js'
import { nativePreSharedKey } from '../../../mesh/src/transport/native-pnet.js'
import { within } from '../../helpers/within.js'

const ECHO = '/llmlb-test/echo/1.0.0'
const nodes: Libp2p[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

type Protector = (init: { psk: Uint8Array }) => () => ConnectionProtector

async function node(protector: Protector, key: string): Promise<Libp2p> {
  const n = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionProtector: protector({ psk: parseClusterKey(key).key }),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
  nodes.push(n)
  // echoes every message back as it comes
  await n.handle(ECHO, (stream: Stream) => {
    stream.addEventListener('message', (evt) => {
      stream.send(evt.data)
    })
    stream.addEventListener('remoteCloseWrite', () => void stream.close())
  })
  return n
}

/** Sends `chunks` on a new echo stream from `from` to `to`; resolves with every byte echoed back. */
async function echo(from: Libp2p, to: Libp2p, chunks: Uint8Array[]): Promise<Buffer> {
  const stream = await from.dialProtocol(to.getMultiaddrs(), ECHO)
  const total = chunks.reduce((s, c) => s + c.byteLength, 0)
  const got: Buffer[] = []
  let size = 0
  const done = new Promise<void>((resolve) => {
    stream.addEventListener('message', (evt) => {
      const b = Buffer.from(evt.data instanceof Uint8Array ? evt.data : evt.data.subarray())
      got.push(b)
      size += b.byteLength
      if (size >= total) resolve()
    })
  })
  for (const c of chunks) if (!stream.send(c)) await new Promise((r) => stream.addEventListener('drain', r, { once: true }))
  await within(done, 'every byte echoed back')
  await stream.close()
  return Buffer.concat(got)
}

/** Chunks of awkward sizes (a byte, across keystream blocks, larger than a Noise frame). */
const chunks = (): Uint8Array[] => [1, 63, 64, 65, 1000, 4096, 70_000, 3, 200_000, 17].map((n) => randomBytes(n))
const pairs: [string, Protector, Protector][] = [
  ['native dials @libp2p/pnet', nativePreSharedKey, preSharedKey],
  ['@libp2p/pnet dials native', preSharedKey, nativePreSharedKey],
  ['native dials native', nativePreSharedKey, nativePreSharedKey]
]

describe('cluster key protector (native pnet)', () => {
  for (const [name, dialer, listener] of pairs) {
    it(`${name}: bytes of every size arrive unchanged, both ways`, async () => {
      const key = generateClusterKey()
      const a = await node(dialer, key)
      const b = await node(listener, key)
      const sent = chunks()
      expect(await echo(a, b, sent)).toEqual(Buffer.concat(sent))
      // the other way on the same connection: the listener's outbound keystream
      const back = chunks()
      expect(await echo(b, a, back)).toEqual(Buffer.concat(back))
    })
  }

  it('refuses a node with another key (either implementation)', async () => {
    const a = await node(nativePreSharedKey, generateClusterKey())
    const b = await node(preSharedKey, generateClusterKey())
    const c = await node(nativePreSharedKey, generateClusterKey())
    await expect(a.dial(b.getMultiaddrs(), { signal: AbortSignal.timeout(2000) })).rejects.toThrow()
    await expect(b.dial(c.getMultiaddrs(), { signal: AbortSignal.timeout(2000) })).rejects.toThrow()
    expect(a.getConnections()).toHaveLength(0)
  })
})
