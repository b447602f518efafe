/**
 * Detection of each engine type from its own endpoints, the models and capabilities each reports,
 * the load each exposes, and the clear refusals of what is not an engine (specs/engines.md).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { detectEngine, EngineHttp } from '../../../../agent/src/engines/index.js'
import { adapterOf } from '../../../../agent/src/engines/adapters/index.js'
import { Outbound } from '../../../../agent/src/net/index.js'
import { startMisbehaving, startMockEngine, type MockEngine, type MockKind } from '../../../../scripts/mock-engines/index.js'

const outbound = new Outbound({ allow: ['loopback'], timeoutMs: 3_000 })
const started: MockEngine[] = []
afterAll(async () => {
  await Promise.all(started.map((e) => e.stop()))
  await outbound.close()
})

async function engine(kind: MockKind, opts: Parameters<typeof startMockEngine>[1] = {}): Promise<MockEngine> {
  const e = await startMockEngine(kind, opts)
  started.push(e)
  return e
}

describe('engine detection', () => {
  it.each(['ollama', 'llamacpp', 'vllm', 'lmstudio', 'sglang', 'openai'] as MockKind[])('recognises %s from its own endpoints', async (kind) => {
    const e = await engine(kind)
    const adapter = await detectEngine(new EngineHttp(outbound, e.url))
    expect(adapter.kind).toBe(kind)
    expect(adapter.api).toBe(kind === 'ollama' ? 'ollama' : 'openai')
    const models = await adapter.models(new EngineHttp(outbound, e.url))
    expect(models.map((m) => m.id)).toEqual([`${kind}-model`])
    expect(models[0]?.capabilities.chat).toBe(true)
  })

  it("recognises stable-diffusion.cpp's server (sdcpp) before the generic OpenAI list, its one model named after its file", async () => {
    const e = await engine('sdcpp', { models: [{ id: 'dreamy-v2', type: 'image' }] })
    const adapter = await detectEngine(new EngineHttp(outbound, e.url))
    expect(adapter.kind).toBe('sdcpp')
    // its OpenAI list says `sd-cpp-local` whatever the model: advertised by the file's stem, asked for by the list's name
    expect(await adapter.models(new EngineHttp(outbound, e.url))).toEqual([expect.objectContaining({ id: 'dreamy-v2', upstream: 'sd-cpp-local', capabilities: expect.objectContaining({ imageGeneration: true, chat: false }) })])
    expect(await adapter.load(new EngineHttp(outbound, e.url))).toEqual({ slots: 1 })
  })

  it('reads capabilities where the engine reports them', async () => {
    const ollama = await engine('ollama', { models: [{ id: 'llava', vision: true, tools: true, contextLength: 32768 }, { id: 'nomic-embed', type: 'embeddings' }] })
    const om = await adapterOf('ollama').models(new EngineHttp(outbound, ollama.url))
    expect(om).toEqual([
      expect.objectContaining({ id: 'llava', upstream: 'llava:latest', contextLength: 32768, quantization: 'Q4_K_M', capabilities: { chat: true, completion: true, embeddings: false, tools: true, vision: true } }),
      expect.objectContaining({ id: 'nomic-embed', capabilities: { chat: false, completion: false, embeddings: true, tools: false, vision: false } })
    ])
    const lms = await engine('lmstudio', { models: [{ id: 'qwen2-vl', vision: true }, { id: 'text-embedding-nomic', type: 'embeddings' }] })
    const lm = await adapterOf('lmstudio').models(new EngineHttp(outbound, lms.url))
    expect(lm.map((m) => [m.id, m.capabilities.vision, m.capabilities.embeddings])).toEqual([
      ['qwen2-vl', true, false],
      ['text-embedding-nomic', false, true]
    ])
    const lcpp = await engine('llamacpp', { models: [{ id: 'gemma', vision: true, tools: true, contextLength: 16384 }] })
    const lc = await adapterOf('llamacpp').models(new EngineHttp(outbound, lcpp.url))
    expect(lc[0]).toMatchObject({ contextLength: 16384, capabilities: { vision: true, tools: true } })
    const sg = await engine('sglang', { models: [{ id: 'bge', type: 'embeddings' }] })
    expect((await adapterOf('sglang').models(new EngineHttp(outbound, sg.url)))[0]?.capabilities).toMatchObject({ chat: false, embeddings: true })
  })

  it('reads the load each engine exposes', async () => {
    const cases: [MockKind, object][] = [
      ['vllm', { running: 3, waiting: 7 }],
      ['llamacpp', { slots: 4, running: 2 }],
      ['sglang', { running: 3, waiting: 7 }]
    ]
    for (const [kind, want] of cases) {
      const e = await engine(kind, { slots: 4 })
      e.load.running = kind === 'llamacpp' ? 2 : 3
      e.load.waiting = 7
      expect(await adapterOf(kind).load(new EngineHttp(outbound, e.url))).toEqual(want)
    }
  })

  it.each(['web-page', 'redirect-loop', 'endless-body', 'not-json'] as const)('refuses a URL that is no engine (%s) with a clear error', async (kind) => {
    const s = await startMisbehaving(kind)
    try {
      await expect(detectEngine(new EngineHttp(outbound, s.url))).rejects.toMatchObject({ code: 'engine_not_detected', message: expect.stringContaining('No inference engine answers') })
    } finally {
      await s.close()
    }
  })

  it('refuses an address the policy blocks, saying so', async () => {
    await expect(detectEngine(new EngineHttp(outbound, 'http://169.254.169.254'))).rejects.toMatchObject({ code: 'outbound_blocked', message: expect.stringContaining('metadata') })
    await expect(detectEngine(new EngineHttp(outbound, 'http://10.0.0.1:11434'))).rejects.toMatchObject({ code: 'outbound_blocked' })
  })
})
