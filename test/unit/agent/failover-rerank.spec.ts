/**
 * Failover when every holder of the first ranking failed: the ingress ranks the cluster once more,
 * without the holders already tried, so a holder that was not in the view when the request arrived
 * (suspect, restarting, just joined) still serves it instead of the client getting 502.
 */
import { describe, expect, it } from 'vitest'
import { InferenceService } from '../../../agent/src/inference/inference-service.js'
import { AdmissionQueue } from '../../../agent/src/scheduler/admission-queue.js'
import { FAILOVER_HEADER } from '../../../agent/src/inference/request-context.js'
import { NodeStateSchema } from '../../../mesh/src/protocol/node-state.js'
import type { ForwardRequest, ForwardResponse, Mesh, PeerView } from '../../../mesh/src/index.js'
import type { InferenceRuntime } from '../../../native-runtime/src/index.js'

const NOW = 1_000_000

function holder(peerId: string, status: PeerView['status'] = 'alive', tokensPerSecond = 100): PeerView {
  const state = NodeStateSchema.parse({
    v: 1, seq: 1, name: peerId, peerId, version: '1', httpUrl: `http://${peerId}`, status: 'alive', startedAt: 0,
    models: [{ id: 'm', capabilities: { chat: true, completion: true, embeddings: false }, loaded: true, contextLength: 512, quantization: 'f32', sizeBytes: 1, slotsTotal: 1, slotsBusy: 0, tokensPerSecond }],
    cpu: { cores: 1, load1: 0 }, memory: { totalBytes: 1, freeBytes: 1 }
  })
  return { peerId, status, state, lastSeen: NOW, addresses: [] }
}

/** An ingress whose view holds `first` (and `suspect`, ten times faster, heartbeat late); a forward to a peer in `failing` throws and, meanwhile, `later` joins the view. */
function ingress(first: string[], failing: Set<string>, later: string[], suspect: string[] = []): { service: InferenceService; tried: string[]; headers: Record<string, string>[] } {
  let table = [...suspect.map((id) => holder(id, 'suspect', 1000)), ...first.map((id) => holder(id))]
  const tried: string[] = []
  const headers: Record<string, string>[] = []
  const mesh = {
    peers: () => table,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    forward: async (peer: string, req: ForwardRequest): Promise<ForwardResponse> => {
      tried.push(peer)
      headers.push(req.headers)
      if (failing.has(peer)) {
        table = [...table.filter((p) => p.peerId !== peer), ...later.map((id) => holder(id))]
        throw new Error(`${peer}: connection reset`)
      }
      return { status: 200, headers: { 'content-type': 'application/json' }, body: (async function* () { yield new TextEncoder().encode('{}') })() }
    }
  } as unknown as Mesh
  const runtime = { models: () => [], isUp: () => true } as unknown as InferenceRuntime
  return { service: new InferenceService({ runtime, admission: new AdmissionQueue(), mesh, nodeName: 'ingress', now: () => NOW }), tried, headers }
}

const ctx = { requestId: 'r1', signal: new AbortController().signal, hops: 0, local: false }
const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }

describe('failover after the first ranking is spent', () => {
  it('ranks again and serves on a holder that came into view meanwhile', async () => {
    const { service, tried } = ingress(['a'], new Set(['a']), ['b'])
    const served = await service.handle('chat', body, ctx)
    expect(tried).toEqual(['a', 'b'])
    expect(served.route).toMatchObject({ servedBy: 'b', reason: 'failover' })
  })

  it('the attempt after a failed holder is marked a failover (the next holder queues it first); the first one is not', async () => {
    const { service, headers } = ingress(['a'], new Set(['a']), ['b'])
    await service.handle('chat', body, { requestId: 'r2', signal: new AbortController().signal, hops: 0, local: false })
    expect(headers.map((h) => h[FAILOVER_HEADER])).toEqual([undefined, '1'])
  })

  it('never tries a failed holder twice, and answers 502 when nobody else is there', async () => {
    const { service, tried } = ingress(['a'], new Set(['a']), ['a'])
    await expect(service.handle('chat', body, ctx)).rejects.toMatchObject({ code: 'upstream_failed' })
    expect(tried).toEqual(['a'])
  })

  it('tries a holder whose heartbeat is late only after the live ones, rather than answering 502', async () => {
    const { service, tried } = ingress(['a'], new Set(['a']), [], ['s'])
    const served = await service.handle('chat', body, ctx)
    expect(tried).toEqual(['a', 's'])
    expect(served.route).toMatchObject({ servedBy: 's', reason: 'failover' })
  })

  it('answers 503 no_capacity, not 502, when the only holders were suspect and failed (a model across a partition)', async () => {
    const { service, tried } = ingress([], new Set(['s']), [], ['s'])
    await expect(service.handle('chat', body, ctx)).rejects.toMatchObject({ code: 'no_capacity', headers: { 'retry-after': '1' } })
    expect(tried).toEqual(['s'])
  })

  it('serves on a live holder first even when the suspect one ranks higher', async () => {
    const { service, tried } = ingress(['a'], new Set(), [], ['s'])
    await service.handle('chat', body, ctx)
    expect(tried).toEqual(['a'])
  })
})

describe('a holder given up for silence', () => {
  it('is tried once more, last, when every other holder failed', async () => {
    const table = [holder('slow', 'alive', 1000), holder('a')]
    const tried: string[] = []
    const mesh = {
      peers: () => table,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      forward: async (peer: string, _req: ForwardRequest, opts: { signal: AbortSignal }): Promise<ForwardResponse> => {
        tried.push(peer)
        if (peer === 'a') throw new Error('a: connection reset')
        // the first time, 'slow' stays silent past the head bound (a long queue there)
        if (tried.filter((p) => p === 'slow').length === 1) {
          await new Promise((resolve) => opts.signal.addEventListener('abort', resolve, { once: true }))
          throw opts.signal.reason
        }
        return { status: 200, headers: { 'content-type': 'application/json' }, body: (async function* () { yield new TextEncoder().encode('{}') })() }
      }
    } as unknown as Mesh
    const runtime = { models: () => [], isUp: () => true } as unknown as InferenceRuntime
    const service = new InferenceService({ runtime, admission: new AdmissionQueue(), mesh, nodeName: 'ingress', now: () => NOW, headBound: { floorMs: 20, factor: 1 } })
    const served = await service.handle('chat', body, ctx)
    expect(tried).toEqual(['slow', 'a', 'slow'])
    expect(served.route).toMatchObject({ servedBy: 'slow', reason: 'failover' })
    expect(service.failovers.silent).toBe(1)
  })
})
