/**
 * Forward streams are pooled between two real libp2p meshes (pnet + Noise + yamux on 127.0.0.1):
 * sequential and concurrent forwards reuse idle streams, a cancelled forward's stream is never reused,
 * and a stopped peer's streams leave the pool. The per-forward time is printed for orientation only
 * (speed goals are measured by `npm run bench -- mesh`).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { generateClusterKey, parseClusterKey, type ForwardHandler } from '../../../mesh/src/index.js'
import { hostPort, startNode, stopAll, stopNode, waitFor, waitForFullMesh } from './helpers.js'

afterEach(stopAll)

const request = { method: 'POST', path: '/v1/x', headers: {}, body: new Uint8Array(200), requestId: 'r', hops: 1 }

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN
}

async function pair(handler: ForwardHandler) {
  const psk = parseClusterKey(generateClusterKey()).key
  const a = await startNode('a', { clusterKey: psk })
  const b = await startNode('b', { clusterKey: psk, peers: [hostPort(a)] })
  await waitForFullMesh([a, b])
  b.setForwardHandler(handler)
  return { a, b }
}

const answer42: ForwardHandler = async () => ({ status: 200, headers: {}, body: (async function* () { yield new Uint8Array([42]) })() })

async function forwardOnce(a: Awaited<ReturnType<typeof pair>>['a'], to: string): Promise<number> {
  const res = await a.forward(to, request)
  let first = -1
  for await (const chunk of res.body) if (first < 0) first = chunk[0] ?? -1
  return first
}

describe('forward stream pool (real libp2p)', () => {
  it('sequential forwards share one stream; concurrent ones open at most one stream each, then reuse them', async () => {
    const { a, b } = await pair(answer42)
    const times: number[] = []
    for (let i = 0; i < 200; i++) {
      const started = performance.now()
      expect(await forwardOnce(a, b.peerId())).toBe(42)
      times.push(performance.now() - started)
    }
    expect(a.stats()).toMatchObject({ forwardsOut: 200, forwardStreamsOpened: 1, forwardErrors: 0 })
    expect(b.stats().forwardsIn).toBe(200)

    const burst = async (): Promise<void> => {
      const firsts = await Promise.all(Array.from({ length: 16 }, () => forwardOnce(a, b.peerId())))
      expect(firsts.every(f => f === 42)).toBe(true)
    }
    await burst()
    const afterFirstBurst = a.stats().forwardStreamsOpened ?? 0
    expect(afterFirstBurst).toBeLessThanOrEqual(16)
    await burst()
    await burst()
    expect(a.stats().forwardStreamsOpened).toBe(afterFirstBurst)
    console.info(`Mesh.forward() on a pooled stream, 200 sequential: p50 ${percentile(times, 0.5).toFixed(2)} ms, p99 ${percentile(times, 0.99).toFixed(2)} ms`)
  })

  it('a forward cancelled mid-body aborts the handler and its stream is not reused', async () => {
    let aborted = 0
    const { a, b } = await pair(async (req, _from, { signal }) => {
      if (req.requestId !== 'slow') return answer42(req, _from, { signal })
      signal.addEventListener('abort', () => aborted++)
      return { status: 200, headers: {}, body: (async function* () { yield new Uint8Array([1]); await new Promise(r => signal.addEventListener('abort', r)) })() }
    })
    expect(await forwardOnce(a, b.peerId())).toBe(42)
    expect(a.stats().forwardStreamsOpened).toBe(1)
    const ac = new AbortController()
    const res = await a.forward(b.peerId(), { ...request, requestId: 'slow' }, { signal: ac.signal })
    const it = res.body[Symbol.asyncIterator]()
    expect((await it.next()).value?.[0]).toBe(1)
    ac.abort()
    await expect(it.next()).rejects.toMatchObject({ code: 'aborted' })
    await waitFor(() => aborted === 1, 'the serving handler to see the cancellation')
    expect(await forwardOnce(a, b.peerId())).toBe(42)
    expect(a.stats().forwardStreamsOpened).toBe(2)
  })

  it('after the peer restarts on the same address, forwards go on fresh streams without errors', async () => {
    const psk = parseClusterKey(generateClusterKey()).key
    const a = await startNode('a', { clusterKey: psk })
    const identity = await generateKeyPair('Ed25519')
    let b = await startNode('b', { clusterKey: psk, privateKey: identity, peers: [hostPort(a)] })
    await waitForFullMesh([a, b])
    b.setForwardHandler(answer42)
    expect(await forwardOnce(a, b.peerId())).toBe(42)
    const port = Number(hostPort(b).split(':')[1])
    await stopNode(b)
    b = await startNode('b', { clusterKey: psk, port, privateKey: identity, peers: [hostPort(a)] })
    b.setForwardHandler(answer42)
    await waitForFullMesh([a, b])
    expect(await forwardOnce(a, b.peerId())).toBe(42)
    expect(a.stats().forwardStreamsOpened).toBe(2)
  })
})
