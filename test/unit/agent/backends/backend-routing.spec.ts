/**
 * The backend seam: a model served by one of this node's backends (an engine or a cloud provider) is
 * a local candidate, is served by that backend, is advertised with its `engine`, and leaves routing
 * the moment the backend stops listing it.
 */
import { describe, expect, it } from 'vitest'
import { BackendRegistry, type BackendModel, type ModelBackend } from '../../../../agent/src/backends/index.js'
import { InferenceService } from '../../../../agent/src/inference/inference-service.js'
import { jsonResult } from '../../../../agent/src/inference/http-result.js'
import { routingInput } from '../../../../agent/src/scheduler/routing-task.js'
import { AdmissionQueue } from '../../../../agent/src/scheduler/admission-queue.js'
import { ModelAdvertSchema } from '../../../../mesh/src/protocol/node-state.js'
import type { InferenceRuntime } from '../../../../native-runtime/src/index.js'

function model(id: string, engine = 'ollama'): BackendModel {
  return { id, capabilities: { chat: true, completion: true, embeddings: false, tools: false, vision: false }, contextLength: 4096, quantization: 'Q4_K_M', sizeBytes: 10, slotsTotal: 2, slotsBusy: 1, queueDepth: 3, tokensPerSecond: 20, avgServiceMs: 50, engine }
}

class FakeBackend implements ModelBackend {
  served: { api: string; model: string }[] = []
  list: BackendModel[]
  constructor(readonly name: string, ids: string[]) {
    this.list = ids.map((id) => model(id))
  }
  models(): readonly BackendModel[] {
    return this.list
  }
  async serve(api: string, body: { model: string }) {
    this.served.push({ api, model: body.model })
    return { result: jsonResult(200, { from: this.name }), queueWaitMs: 0, usage: { promptTokens: 4, completionTokens: 2 } }
  }
}

const runtime = { models: () => [], isUp: () => true } as unknown as InferenceRuntime
const ctx = { requestId: 'r1', signal: new AbortController().signal, hops: 0, local: false }
const chat = (m: string) => ({ model: m, messages: [{ role: 'user', content: 'hi' }] })

describe('model backends', () => {
  it('serve their models on this node, with the backend’s usage and load as the candidate’s', async () => {
    const backends = new BackendRegistry()
    const b = new FakeBackend('engine:a', ['llama3'])
    backends.add(b)
    const service = new InferenceService({ runtime, admission: new AdmissionQueue(), nodeName: 'n1', backends })
    const served = await service.handle('chat', chat('llama3'), ctx)
    expect(served.route.route).toBe('local')
    expect(served.usage).toEqual({ promptTokens: 4, completionTokens: 2 })
    expect(b.served).toEqual([{ api: 'chat', model: 'llama3' }])
    const cand = service.candidates('llama3', routingInput('chat', chat('llama3') as never)).ranked[0]
    expect(cand).toMatchObject({ target: 'self', load: 4, engine: 'ollama' })
  })

  it('are advertised with their engine, in the wire schema', () => {
    const backends = new BackendRegistry()
    backends.add(new FakeBackend('engine:a', ['llama3', 'qwen']))
    backends.add(new FakeBackend('engine:b', ['llama3']))
    const adverts = backends.adverts()
    expect(adverts.map((a) => a.id)).toEqual(['llama3', 'qwen'])
    for (const a of adverts) expect(ModelAdvertSchema.parse(a)).toMatchObject({ engine: 'ollama', loaded: true })
  })

  it('stop serving a model as soon as the backend stops listing it, and report changes', async () => {
    const backends = new BackendRegistry()
    const b = new FakeBackend('engine:a', ['llama3'])
    let changes = 0
    backends.onChange(() => changes++)
    backends.add(b)
    const service = new InferenceService({ runtime, admission: new AdmissionQueue(), nodeName: 'n1', backends })
    b.list = []
    await expect(service.handle('chat', chat('llama3'), ctx)).rejects.toMatchObject({ code: 'model_not_found' })
    expect(backends.remove('engine:a')).toBe(true)
    expect(changes).toBe(2)
  })
})
