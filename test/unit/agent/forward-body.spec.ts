/**
 * What the ingress puts on the wire when it forwards: the client's own bytes when it has them (no
 * second serialization of a long prompt), the parsed body re-serialized otherwise.
 */
import { describe, expect, it } from 'vitest'
import { InferenceService } from '../../../agent/src/inference/inference-service.js'
import { AdmissionQueue } from '../../../agent/src/scheduler/admission-queue.js'
import { NodeStateSchema } from '../../../mesh/src/protocol/node-state.js'
import type { ForwardRequest, ForwardResponse, Mesh, PeerView } from '../../../mesh/src/index.js'
import type { InferenceRuntime } from '../../../native-runtime/src/index.js'

const NOW = 1_000_000

function peerWithModel(model: string): PeerView {
  const state = NodeStateSchema.parse({
    v: 1, seq: 1, name: 'p1', peerId: 'p1', version: '1', httpUrl: 'http://p1', status: 'alive', startedAt: 0,
    models: [{ id: model, capabilities: { chat: true, completion: true, embeddings: false }, loaded: true, contextLength: 512, quantization: 'f32', sizeBytes: 1, slotsTotal: 1, slotsBusy: 0, tokensPerSecond: 100 }],
    cpu: { cores: 1, load1: 0 }, memory: { totalBytes: 1, freeBytes: 1 }
  })
  return { peerId: 'p1', status: 'alive', state, lastSeen: NOW, addresses: [] }
}

/** An ingress with no model of its own and one peer holding `m`; returns what each forward sent. */
function ingress(): { service: InferenceService; sent: ForwardRequest[] } {
  const sent: ForwardRequest[] = []
  const mesh = {
    peers: () => [peerWithModel('m')],
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    forward: async (_peer: string, req: ForwardRequest): Promise<ForwardResponse> => {
      sent.push(req)
      return { status: 200, headers: { 'content-type': 'application/json' }, body: (async function* () { yield new TextEncoder().encode('{}') })() }
    }
  } as unknown as Mesh
  const runtime = { models: () => [], isUp: () => true } as unknown as InferenceRuntime
  return { service: new InferenceService({ runtime, admission: new AdmissionQueue(), mesh, nodeName: 'ingress', now: () => NOW }), sent }
}

const ctx = { requestId: 'r1', signal: new AbortController().signal, hops: 0, local: false }

describe('forwarded request body', () => {
  it('is the client’s bytes, exactly, when the ingress has them', async () => {
    const { service, sent } = ingress()
    // spacing and key order a re-serialization would not keep
    const raw = Buffer.from('{ "messages": [{"role":"user","content":"hi"}],\n  "model": "m", "max_tokens": 3 }')
    const served = await service.handle('chat', JSON.parse(raw.toString()), { ...ctx, rawBody: raw })
    expect(served.route.route).toBe('forwarded')
    expect(Buffer.from((sent[0]?.body ?? new Uint8Array()) as Uint8Array).equals(raw)).toBe(true)
  })

  it('is the parsed body serialized again when there are no raw bytes', async () => {
    const { service, sent } = ingress()
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }
    await service.handle('chat', body, ctx)
    expect(JSON.parse(new TextDecoder().decode(sent[0]?.body as Uint8Array))).toEqual(body)
  })
})
