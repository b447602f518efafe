/**
 * The multimodal child kind through `MultiKindRuntime`: a model loaded with a projector runs in the
 * `@fugood/llama.node` child next to a text model in the node-llama-cpp child, with the same protocol —
 * images, slots, cancel, unload mid-generation, typed errors — and an undecodable image never takes the
 * child down.
 */
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChatImage, GenerationEvent, GenerationTask } from '../../../native-runtime/src/interfaces.js'
import { CapabilityError, ContextOverflowError, InvalidImageError, ModelNotFoundError, MultiKindRuntime, RuntimeUnavailableError, writeTinyGguf, writeTinyMmproj } from '../../../native-runtime/src/index.js'
import { pngImage } from '../../../scripts/test-png.js'
import { modelDir } from './helpers.js'

let runtime: MultiKindRuntime
let cleanup: () => Promise<void>
const image = (seed = 0): ChatImage => ({ at: 0, mime: 'image/png', data: pngImage(30, 20, seed).toString('base64') })
const ask = (images: ChatImage[], params: GenerationTask['params'] = { maxTokens: 4, temperature: 0 }): GenerationTask => ({
  model: 'vis',
  prompt: { kind: 'chat', messages: [{ role: 'user', content: 'what is this?', images }] },
  params
})

async function run(task: GenerationTask, signal?: AbortSignal): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = []
  for await (const e of runtime.generate(task, signal === undefined ? {} : { signal })) events.push(e)
  return events
}

beforeAll(async () => {
  const m = await modelDir()
  cleanup = m.cleanup
  await writeTinyGguf(join(m.dir, 'vis.gguf'), { ctx: 4096 })
  await writeTinyMmproj(join(m.dir, 'vis.mmproj.gguf'))
  await writeTinyGguf(join(m.dir, 'txt.gguf'), { seed: 3 })
  runtime = new MultiKindRuntime({ logger: pino({ level: process.env.LLMLB_TEST_LOG ?? 'silent' }) }, { restartBackoffMs: 50 })
  await runtime.start()
  await runtime.load({ id: 'txt', path: join(m.dir, 'txt.gguf'), slots: 1 })
  const vis = await runtime.load({ id: 'vis', path: join(m.dir, 'vis.gguf'), mmproj: join(m.dir, 'vis.mmproj.gguf'), slots: 2, contextSize: 1024 })
  expect(vis.capabilities).toEqual({ chat: true, completion: true, embeddings: false, tools: false, vision: true })
  expect(vis.slotsTotal).toBe(2)
})

afterAll(async () => {
  await runtime?.stop()
  await cleanup?.()
})

describe('multimodal child kind', () => {
  it('runs beside the text child: a model with a projector in one, without in the other', () => {
    expect(runtime.childPid('multimodal')).not.toBeNull()
    expect(runtime.childPid('multimodal')).not.toBe(runtime.childPid('text'))
    expect(runtime.models().map((m) => [m.id, m.capabilities.vision])).toEqual([
      ['txt', false],
      ['vis', true]
    ])
  })

  it('generates with an image: start, text, end with the same accounting as the text child', async () => {
    const events = await run(ask([image()]))
    expect(events[0]?.type).toBe('start')
    const end = events.at(-1)
    expect(end).toMatchObject({ type: 'end', finishReason: 'length', completionTokens: 4 })
    const plain = await runtime.countTokens('vis', { kind: 'chat', messages: [{ role: 'user', content: 'what is this?' }] })
    const withImage = await runtime.countTokens('vis', ask([image()]).prompt)
    expect(withImage).toBeGreaterThan(plain)
    expect((events[0] as { promptTokens: number }).promptTokens).toBe(withImage)
    // text-only prompts work on a vision model too
    expect((await run({ model: 'vis', prompt: { kind: 'text', text: 'hello' }, params: { maxTokens: 3 } })).at(-1)).toMatchObject({ type: 'end', completionTokens: 3 })
  })

  it('refuses an undecodable image with InvalidImageError and the child lives on', async () => {
    const pid = runtime.childPid('multimodal')
    const corrupt: ChatImage = { at: 0, mime: 'image/png', data: Buffer.concat([pngImage().subarray(0, 33), Buffer.alloc(100, 9)]).toString('base64') }
    await expect(run(ask([corrupt]))).rejects.toBeInstanceOf(InvalidImageError)
    await expect(runtime.countTokens('vis', ask([corrupt]).prompt)).rejects.toBeInstanceOf(InvalidImageError)
    expect(runtime.childPid('multimodal')).toBe(pid)
    expect((await run(ask([image(1)]))).at(-1)).toMatchObject({ type: 'end' })
  })

  it('answers what it cannot do with typed errors', async () => {
    await expect(runtime.embed('vis', ['x'])).rejects.toBeInstanceOf(CapabilityError)
    await expect(run(ask([], { tools: { mode: 'auto', parallel: true } }))).rejects.toBeInstanceOf(CapabilityError)
    await expect(run(ask([], { logprobs: 0 }))).rejects.toBeInstanceOf(CapabilityError)
    await expect(run({ model: 'vis', prompt: { kind: 'text', text: 'a '.repeat(3000) }, params: {} })).rejects.toBeInstanceOf(ContextOverflowError)
    await expect(run({ ...ask([]), model: 'nope' })).rejects.toBeInstanceOf(ModelNotFoundError)
  })

  it('cancels on abort and frees the slot; JSON schema output is grammar-constrained', async () => {
    const ac = new AbortController()
    const seen: GenerationEvent[] = []
    const long = (async () => {
      for await (const e of runtime.generate(ask([image(2)], { maxTokens: 800, ignoreEos: true }), { signal: ac.signal })) {
        seen.push(e)
        if (e.type === 'text') ac.abort(new Error('client went away'))
      }
    })()
    await expect(long).rejects.toThrow('client went away')
    expect(runtime.models().find((m) => m.id === 'vis')?.slotsBusy).toBe(0)
    const schema = { type: 'object', properties: { a: { type: 'string', maxLength: 8 } }, required: ['a'], additionalProperties: false }
    const events = await run({ model: 'vis', prompt: { kind: 'chat', messages: [{ role: 'user', content: 'json' }] }, params: { maxTokens: 64, jsonSchema: schema } })
    const text = events.map((e) => (e.type === 'text' ? e.text : '')).join('')
    expect(typeof (JSON.parse(text) as { a: unknown }).a).toBe('string')
  })

  it('ends a generation with RuntimeUnavailableError when its model is unloaded, and the text model is untouched', async () => {
    const failed = expect(run(ask([image(3)], { maxTokens: 3000, ignoreEos: true }))).rejects.toBeInstanceOf(RuntimeUnavailableError)
    await new Promise<void>((r) => setImmediate(r))
    await runtime.unload('vis')
    await failed
    expect(runtime.models().map((m) => m.id)).toEqual(['txt'])
    expect((await run({ model: 'txt', prompt: { kind: 'text', text: 'hi' }, params: { maxTokens: 2 } })).at(-1)).toMatchObject({ type: 'end' })
  })
})
