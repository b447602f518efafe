/**
 * Engines as model backends on one node (real LMDB, real HTTP to mock engines that speak each
 * engine's protocol): requests served through Ollama's native API and through OpenAI's, streams
 * translated, usage counted; the least loaded of two engines preferred; a dead engine leaving and
 * coming back by itself; the key encrypted at rest and never shown.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BackendRegistry } from '../../../../agent/src/backends/index.js'
import { EngineManager, LmdbEngineStore, TEST_HEALTH } from '../../../../agent/src/engines/index.js'
import { InferenceService } from '../../../../agent/src/inference/inference-service.js'
import { AdmissionQueue } from '../../../../agent/src/scheduler/admission-queue.js'
import type { InferenceRuntime } from '../../../../native-runtime/src/index.js'
import { startMockEngine, type MockEngine, type MockKind } from '../../../../scripts/mock-engines/index.js'
import { waitFor } from '../../../helpers/agent-process.js'
import { decodePng } from '../../../helpers/png.js'

const runtime = { models: () => [], isUp: () => true } as unknown as InferenceRuntime
const ctx = () => ({ requestId: 'r', signal: new AbortController().signal, hops: 0, local: false })
const logger = pino({ level: 'silent' })

let dir: string
let store: LmdbEngineStore
let registry: BackendRegistry
let manager: EngineManager
let service: InferenceService
const mocks: MockEngine[] = []

async function mock(kind: MockKind, opts: Parameters<typeof startMockEngine>[1] = {}): Promise<MockEngine> {
  const e = await startMockEngine(kind, opts)
  mocks.push(e)
  return e
}

async function text(body: AsyncIterable<string | Uint8Array>): Promise<string> {
  let s = ''
  for await (const c of body) s += typeof c === 'string' ? c : Buffer.from(c).toString('utf8')
  return s
}

const events = (sse: string): unknown[] =>
  sse
    .split('\n\n')
    .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
    .map((e) => JSON.parse(e.slice(6)) as unknown)

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmlb-engines-'))
  store = await LmdbEngineStore.open(dir)
  registry = new BackendRegistry()
  manager = new EngineManager(store, registry, logger, { allow: ['loopback'], health: TEST_HEALTH })
  service = new InferenceService({ runtime, admission: new AdmissionQueue(), nodeName: 'n1', backends: registry })
})
afterEach(async () => {
  await manager.stop()
  await store.close()
  await rm(dir, { recursive: true, force: true })
})
afterAll(async () => {
  await Promise.all(mocks.map((m) => m.stop().catch(() => undefined)))
})

describe('engines on a node', () => {
  it('serve an Ollama model through its native API, as OpenAI answers, stream and not, with usage', async () => {
    const e = await mock('ollama', { models: [{ id: 'llama3.2' }, { id: 'nomic-embed', type: 'embeddings' }], answer: 'Hi there friend' })
    const view = await manager.add({ url: e.url })
    expect(view).toMatchObject({ kind: 'ollama', health: 'up', hasKey: false })
    expect(registry.adverts().map((a) => [a.id, a.engine])).toEqual([
      ['llama3.2', 'ollama'],
      ['nomic-embed', 'ollama']
    ])

    const plain = await service.handle('chat', { model: 'llama3.2', messages: [{ role: 'user', content: 'hello you' }] }, ctx())
    const answer = JSON.parse(await text(plain.result.body)) as { object: string; model: string; choices: { message: { content: string }; finish_reason: string }[]; usage: object }
    expect(answer).toMatchObject({ object: 'chat.completion', model: 'llama3.2', choices: [{ message: { role: 'assistant', content: 'Hi there friend' }, finish_reason: 'stop' }], usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } })
    expect(plain.usage).toEqual({ promptTokens: 2, completionTokens: 3 })
    expect(e.hits.get('POST /api/chat')).toBe(1)

    const streamed = await service.handle('chat', { model: 'llama3.2', messages: [{ role: 'user', content: 'hello' }], stream: true, stream_options: { include_usage: true } }, ctx())
    expect(streamed.result.headers['content-type']).toMatch(/text\/event-stream/)
    const sse = await text(streamed.result.body)
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true)
    const chunks = events(sse) as { object: string; choices: { delta?: { content?: string }; finish_reason: string | null }[]; usage?: object }[]
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true)
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Hi there friend')
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop')
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 3 } })
    expect(streamed.usage).toEqual({ promptTokens: 1, completionTokens: 3 })

    const emb = await service.handle('embeddings', { model: 'nomic-embed', input: ['a b', 'c'] }, ctx())
    const embBody = JSON.parse(await text(emb.result.body)) as { data: { index: number; embedding: number[] }[] }
    expect(embBody.data.map((d) => d.index)).toEqual([0, 1])
    expect(embBody.data[0]?.embedding.length).toBe(8)
  })

  it('serve an OpenAI-API engine, relaying its stream and dropping the usage event the client did not ask for', async () => {
    const e = await mock('vllm', { answer: 'one two three' })
    await manager.add({ url: `${e.url}/v1/` })
    const streamed = await service.handle('chat', { model: 'vllm-model', messages: [{ role: 'user', content: 'x' }], stream: true }, ctx())
    const chunks = events(await text(streamed.result.body)) as { choices: unknown[]; usage?: unknown }[]
    expect(chunks.every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true)
    // usage was asked of the engine all the same, for token statistics
    expect(streamed.usage).toEqual({ promptTokens: 1, completionTokens: 3 })
  })

  it('wait for a slow engine’s late answer instead of marking it down (past the 10 s outbound default)', async () => {
    // an engine answers a non-streamed request only when done: a long answer or an image on a CPU
    const e = await mock('vllm', { answer: 'slow but sure' })
    await manager.add({ url: e.url })
    e.delayMs = 11_000
    const out = await service.handle('chat', { model: 'vllm-model', messages: [{ role: 'user', content: 'x' }] }, ctx())
    expect((JSON.parse(await text(out.result.body)) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe('slow but sure')
    expect(manager.list().find((v) => v.url === e.url)?.health).toBe('up')
  }, 60_000)

  it('send a model’s requests to the engine reporting the shorter queue', async () => {
    const busy = await mock('vllm', { models: [{ id: 'shared' }] })
    const idle = await mock('vllm', { models: [{ id: 'shared' }] })
    busy.load.waiting = 20
    await manager.add({ url: busy.url })
    await manager.add({ url: idle.url })
    for (let i = 0; i < 10; i++) await text((await service.handle('chat', { model: 'shared', messages: [{ role: 'user', content: 'x' }] }, ctx())).result.body)
    expect(idle.served()).toBeGreaterThan(busy.served())
    expect(busy.served()).toBe(0)
  })

  it('take a dead engine’s models out at once, and bring them back when it answers again', async () => {
    const e = await mock('llamacpp')
    await manager.add({ url: e.url })
    let changes = 0
    registry.onChange(() => changes++)
    await e.stop()
    await expect(service.handle('chat', { model: 'llamacpp-model', messages: [{ role: 'user', content: 'x' }] }, ctx())).rejects.toMatchObject({ code: 'engine_unavailable' })
    expect(registry.adverts()).toEqual([])
    expect(manager.list()[0]).toMatchObject({ health: 'down', models: [{ id: 'llamacpp-model' }] })
    expect(changes).toBeGreaterThan(0)
    await e.restart()
    await waitFor(() => registry.adverts().length === 1, 'the engine to come back', 15_000)
    const served = await service.handle('chat', { model: 'llamacpp-model', messages: [{ role: 'user', content: 'x' }] }, ctx())
    expect(served.result.status).toBe(200)
  })

  it('keep an engine’s key encrypted on disk, never shown, and start stored engines again', async () => {
    const key = 'sk-engine-secret-0123456789'
    const e = await mock('openai', { apiKey: key })
    await expect(manager.add({ url: e.url })).rejects.toMatchObject({ code: 'engine_not_detected' })
    const view = await manager.add({ url: e.url, apiKey: key })
    expect(view.hasKey).toBe(true)
    expect(JSON.stringify(manager.list())).not.toContain(key)
    await expect(manager.add({ url: e.url, apiKey: key })).rejects.toMatchObject({ code: 'conflict' })
    await manager.stop()
    await store.close()
    for (const f of await readdir(join(dir, 'engines', 'db')).catch(() => [] as string[])) expect((await readFile(join(dir, 'engines', 'db', f))).includes(key)).toBe(false)
    store = await LmdbEngineStore.open(dir)
    registry = new BackendRegistry()
    manager = new EngineManager(store, registry, logger, { allow: ['loopback'], health: TEST_HEALTH })
    await manager.start()
    await waitFor(() => registry.adverts().length === 1, 'the stored engine to start', 15_000)
    service = new InferenceService({ runtime, admission: new AdmissionQueue(), nodeName: 'n1', backends: registry })
    expect((await service.handle('chat', { model: 'openai-model', messages: [{ role: 'user', content: 'x' }] }, ctx())).result.status).toBe(200)
  })

  it('free the slot of a client that leaves before reading the answer', async () => {
    const e = await mock('openai')
    await manager.add({ url: e.url, slots: 1 })
    for (let i = 0; i < 3; i++) {
      const ac = new AbortController()
      const served = await service.handle('chat', { model: 'openai-model', messages: [{ role: 'user', content: 'x' }] }, { ...ctx(), signal: ac.signal })
      // what the HTTP layer does when the client's socket closes: abort, then close the body unread
      ac.abort()
      await served.result.body[Symbol.asyncIterator]().return?.(undefined)
      expect(manager.list()[0]?.slots).toMatchObject({ busy: 0, waiting: 0 })
    }
  })

  it('add an --engine that starts after the node once it answers', async () => {
    const e = await mock('ollama')
    await e.stop()
    await manager.start([{ url: e.url }])
    expect(manager.list()).toEqual([])
    await e.restart()
    await waitFor(() => registry.adverts().length === 1, 'the late engine to be added', 15_000)
    expect(manager.list()[0]).toMatchObject({ kind: 'ollama', health: 'up' })
  })

  it('refuse an engine outside the allow-list', async () => {
    const strict = new EngineManager(store, registry, logger, { allow: [] })
    const e = await mock('ollama')
    await expect(strict.add({ url: e.url })).rejects.toMatchObject({ code: 'outbound_blocked' })
    await strict.stop()
  })

  it('mark image models by id or by the registration, and serve images through the engine’s images API', async () => {
    const e = await mock('openai', { models: [{ id: 'painter', type: 'image' }, { id: 'sdxl-lite', type: 'image' }, { id: 'chat' }] })
    await manager.add({ url: e.url, imageModels: ['painter'] })
    const caps = (id: string) => registry.find(id)?.model.capabilities
    expect(caps('painter')).toMatchObject({ imageGeneration: true, chat: false })
    expect(caps('sdxl-lite')).toMatchObject({ imageGeneration: true, chat: false })
    expect(caps('chat')?.imageGeneration).toBeFalsy()
    const found = registry.find('painter')
    const out = await found?.backend.images?.({ op: 'generations', fields: { prompt: 'a tree', n: 2 }, files: [] }, 'painter', ctx())
    if (!out) throw new Error('the engine backend serves no images')
    const answer = JSON.parse(await text(out.result.body)) as { data: { b64_json: string }[] }
    expect(answer.data).toHaveLength(2)
    for (const d of answer.data) decodePng(Buffer.from(d.b64_json, 'base64'))
    // the engine refusing (its own 400) is passed on with its status, in OpenAI's shape
    const refused = await found?.backend.images?.({ op: 'generations', fields: { prompt: '' }, files: [] }, 'painter', ctx())
    expect(refused?.result.status).toBe(400)
    e.failInference = true
    await expect(found?.backend.images?.({ op: 'generations', fields: { prompt: 'x' }, files: [] }, 'painter', ctx()) ?? Promise.resolve()).rejects.toMatchObject({ code: 'engine_unavailable' })
  })
})
