/**
 * Micro-measurement of what a forward costs on top of the work itself (printed, not asserted: speed
 * goals are benchmarked elsewhere). Compares stream opening with full multistream-select negotiation
 * against lazy negotiation (`negotiateFully: false`, the protocol id rides with the first frame),
 * then times `Mesh.forward()` end to end: open + request head + response head + first body byte.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { generateClusterKey, parseClusterKey } from '../../../mesh/src/index.js'
import { createMeshNode, type MeshNode } from '../../../mesh/src/transport/create-node.js'
import { HandshakeWatch } from '../../../mesh/src/transport/handshake-watch.js'
import { hostPort, startNode, stopAll, waitForFullMesh } from './helpers.js'

afterEach(stopAll)

const ROUNDS = 300
const PROTOCOL = '/llmlb/bench-echo/1.0.0'

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN
}

function report(label: string, samples: number[]): string {
  return `${label}: p50 ${percentile(samples, 0.5).toFixed(2)} ms, p90 ${percentile(samples, 0.9).toFixed(2)} ms, p99 ${percentile(samples, 0.99).toFixed(2)} ms (n=${samples.length})`
}

async function rawPair(psk: Uint8Array): Promise<[MeshNode, MeshNode]> {
  const make = async () => {
    const node = await createMeshNode({ listenHost: '127.0.0.1', port: 0, psk, mdns: false, gossipHeartbeatMs: 1_000, watch: new HandshakeWatch(() => {}) })
    await node.start()
    return node
  }
  const a = await make()
  const b = await make()
  await b.handle(PROTOCOL, async stream => {
    for await (const chunk of stream) {
      stream.send(chunk)
      break
    }
    await stream.close()
  })
  await a.dial(multiaddr(b.getMultiaddrs()[0]?.toString() ?? ''))
  return [a, b]
}

async function openAndEcho(a: MeshNode, b: MeshNode, negotiateFully: boolean): Promise<number> {
  const started = performance.now()
  const stream = await a.dialProtocol(b.peerId, PROTOCOL, { negotiateFully })
  stream.send(new Uint8Array([1]))
  for await (const _ of stream) break
  const elapsed = performance.now() - started
  await stream.close()
  return elapsed
}

describe('forward overhead (measurement)', () => {
  it('stream open + first byte: full vs lazy negotiation, and Mesh.forward end to end', async () => {
    const psk = parseClusterKey(generateClusterKey()).key
    const [a, b] = await rawPair(psk)
    const results: Record<string, number[]> = { full: [], lazy: [] }
    try {
      for (let i = 0; i < 20; i++) { await openAndEcho(a, b, true); await openAndEcho(a, b, false) }
      // Interleaved so both see the same machine load.
      for (let i = 0; i < ROUNDS; i++) {
        results.full?.push(await openAndEcho(a, b, true))
        results.lazy?.push(await openAndEcho(a, b, false))
      }
    } finally {
      await a.stop()
      await b.stop()
    }

    const ma = await startNode('a', { clusterKey: psk })
    const mb = await startNode('b', { clusterKey: psk, peers: [hostPort(ma)] })
    await waitForFullMesh([ma, mb])
    mb.setForwardHandler(async () => ({ status: 200, headers: {}, body: (async function* () { yield new Uint8Array([42]) })() }))
    const request = { method: 'POST', path: '/v1/x', headers: {}, body: new Uint8Array(200), requestId: 'r', hops: 1 }
    const forward: number[] = []
    for (let i = 0; i < ROUNDS + 20; i++) {
      const started = performance.now()
      const res = await ma.forward(mb.peerId(), request)
      const it = res.body[Symbol.asyncIterator]()
      const first = await it.next()
      const elapsed = performance.now() - started
      expect(first.value?.[0]).toBe(42)
      expect((await it.next()).done).toBe(true)
      if (i >= 20) forward.push(elapsed)
    }

    console.info([
      'forward overhead on 127.0.0.1 with pnet + noise + yamux, one warm connection:',
      report('  stream open + 1-byte echo, negotiateFully: true ', results.full ?? []),
      report('  stream open + 1-byte echo, negotiateFully: false', results.lazy ?? []),
      report('  Mesh.forward(): open + heads + first body byte  ', forward)
    ].join('\n'))
    expect(forward).toHaveLength(ROUNDS)
  })
})
