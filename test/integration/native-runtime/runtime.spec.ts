import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderFallbackChat } from '../../../native-runtime/src/child/fallback-chat-template.js'
import { ContextOverflowError, ModelNotFoundError, RuntimeUnavailableError } from '../../../native-runtime/src/errors.js'
import type { GenerationEvent, ModelStatus, PromptInput } from '../../../native-runtime/src/interfaces.js'
import type { LlamaCppRuntime } from '../../../native-runtime/src/llama-cpp-runtime.js'
import { collect, modelDir, newRuntime, textOf, writeModels } from './helpers.js'
import { within } from '../../helpers/within.js'

let runtime: LlamaCppRuntime
let paths: Awaited<ReturnType<typeof writeModels>>
let cleanup: () => Promise<void>

const chat: PromptInput = {
  kind: 'chat',
  messages: [
    { role: 'system', content: 'You are a mesh.' },
    { role: 'user', content: 'hello world' }
  ]
}
const text: PromptInput = { kind: 'text', text: 'the mesh and the model' }

beforeAll(async () => {
  const d = await modelDir()
  cleanup = d.cleanup
  paths = await writeModels(d.dir)
  runtime = newRuntime()
  await runtime.start()
  await runtime.load({ id: 'plain', path: paths.plain, slots: 4 })
  await runtime.load({ id: 'chat', path: paths.chat, slots: 2, contextSize: 256 })
})

afterAll(async () => {
  await runtime?.stop()
  await cleanup?.()
})

function usageCheck(events: GenerationEvent[]): Extract<GenerationEvent, { type: 'end' }> {
  const start = events[0]
  const end = events.at(-1)
  expect(start?.type).toBe('start')
  expect(end?.type).toBe('end')
  expect(events.slice(1, -1).every((e) => e.type === 'text')).toBe(true)
  if (start?.type !== 'start' || end?.type !== 'end') throw new Error('bad event order')
  expect(end.promptTokens).toBe(start.promptTokens)
  const textTokens = events.reduce((n, e) => n + (e.type === 'text' ? e.tokens : 0), 0)
  expect(textTokens).toBe(end.completionTokens)
  return end
}

describe('LlamaCppRuntime with a real llama.cpp child', () => {
  it('loads models and lists them with their GGUF facts', async () => {
    const tools = await runtime.load({ id: 'tools', path: paths.tools, slots: 1 })
    expect(tools.capabilities.tools).toBe(true)
    const byId = new Map(runtime.models().map((m) => [m.id, m] as [string, ModelStatus]))
    expect(byId.get('plain')).toMatchObject({
      state: 'loaded',
      contextLength: 512,
      contextSize: 512,
      architecture: 'llama',
      quantization: 'F32',
      hasChatTemplate: false,
      slotsTotal: 4,
      slotsBusy: 0,
      capabilities: { chat: true, completion: true, embeddings: true, tools: false, vision: false }
    })
    expect(byId.get('plain')?.sizeBytes).toBeGreaterThan(400_000)
    expect(byId.get('chat')).toMatchObject({ state: 'loaded', hasChatTemplate: true, contextSize: 256, slotsTotal: 2 })
    expect(byId.get('chat')?.capabilities.tools).toBe(false)
    await runtime.unload('tools')
    expect(runtime.models().map((m) => m.id)).toEqual(['plain', 'chat'])
    await expect(runtime.unload('tools')).rejects.toBeInstanceOf(ModelNotFoundError)
    expect(runtime.isUp()).toBe(true)
  })

  it('generates from a text prompt: start, text..., end, with usage matching countTokens', async () => {
    const events = await collect(runtime, { model: 'plain', prompt: text, params: { maxTokens: 12, seed: 3 } })
    const end = usageCheck(events)
    expect(end.promptTokens).toBe(await runtime.countTokens('plain', text))
    expect(end.durationMs).toBeGreaterThan(0)
    expect(textOf(events).length).toBeGreaterThan(0)
    expect(runtime.models().find((m) => m.id === 'plain')?.tokensPerSecond).toBeGreaterThan(0)
  })

  it('renders chat with the GGUF chat template, or with the fallback template', async () => {
    const templated = await collect(runtime, { model: 'chat', prompt: chat, params: { maxTokens: 6, seed: 1 } })
    expect(usageCheck(templated).promptTokens).toBe(await runtime.countTokens('chat', chat))
    // ChatML wraps each message in markers, so it costs more tokens than the bare texts
    expect(await runtime.countTokens('chat', chat)).toBeGreaterThan(await runtime.countTokens('chat', { kind: 'text', text: 'You are a mesh.hello world' }))

    const fallback = await collect(runtime, { model: 'plain', prompt: chat, params: { maxTokens: 6, seed: 1 } })
    const rendered = { kind: 'text' as const, text: renderFallbackChat(chat.kind === 'chat' ? chat.messages : []) }
    expect(usageCheck(fallback).promptTokens).toBe(await runtime.countTokens('plain', rendered))
    expect(await runtime.countTokens('plain', chat)).toBe(await runtime.countTokens('plain', rendered))
  })

  it('stops at maxTokens with finish reason length', async () => {
    const end = usageCheck(await collect(runtime, { model: 'plain', prompt: text, params: { maxTokens: 5, temperature: 0 } }))
    expect(end).toMatchObject({ finishReason: 'length', completionTokens: 5 })
  })

  it('ends before a stop string, which is never emitted', async () => {
    const params = { maxTokens: 40, temperature: 0 }
    const full = textOf(await collect(runtime, { model: 'plain', prompt: text, params }))
    // a stop string from the middle of the greedy output
    const stop = [...full.slice(8, 11)].join('')
    const at = full.indexOf(stop)
    expect(at).toBeGreaterThan(0)
    const events = await collect(runtime, { model: 'plain', prompt: text, params: { ...params, stop: [stop] } })
    expect(textOf(events)).toBe(full.slice(0, at))
    expect(events.at(-1)).toMatchObject({ type: 'end', finishReason: 'stop' })
  })

  it('completes 8 concurrent generations on a 4-slot model (the excess waits for a slot)', async () => {
    const busy: number[] = []
    const onChange = (e: Event): void => {
      const plain = (e as CustomEvent<ModelStatus[]>).detail.find((m) => m.id === 'plain')
      if (plain) busy.push(plain.slotsBusy)
    }
    runtime.addEventListener('models:change', onChange)
    const runs = Array.from({ length: 8 }, (_, i) =>
      collect(runtime, { model: 'plain', prompt: { kind: 'text', text: `hello ${i}` }, params: { maxTokens: 16, seed: i } })
    )
    const results = await Promise.all(runs)
    runtime.removeEventListener('models:change', onChange)
    for (const events of results) expect(usageCheck(events).completionTokens).toBeGreaterThan(0)
    expect(Math.max(...busy)).toBe(8)
    expect(runtime.models().find((m) => m.id === 'plain')?.slotsBusy).toBe(0)
  })

  it('frees the slot at once when a generation is aborted, and serves the next request right away', async () => {
    const controllers = Array.from({ length: 4 }, () => new AbortController())
    const aborted = controllers.map(async (ac, i) => {
      const seen: GenerationEvent[] = []
      try {
        for await (const e of runtime.generate({ model: 'plain', prompt: text, params: { maxTokens: 400, seed: i } }, { signal: ac.signal })) {
          seen.push(e)
          if (e.type === 'text') ac.abort()
        }
      } catch (err) {
        return { err, seen }
      }
      return { err: null, seen }
    })
    for (const r of await Promise.all(aborted)) {
      expect((r.err as Error | null)?.name).toBe('AbortError')
      expect(r.seen.some((e) => e.type === 'end')).toBe(false)
    }
    expect(runtime.models().find((m) => m.id === 'plain')?.slotsBusy).toBe(0)
    // all four sequences were freed by the cancels: four new requests all run to completion
    const next = await Promise.all(
      Array.from({ length: 4 }, (_, i) => collect(runtime, { model: 'plain', prompt: text, params: { maxTokens: 3, seed: i } }))
    )
    for (const events of next) expect(usageCheck(events)).toMatchObject({ finishReason: 'length', completionTokens: 3 })
  })

  it('an abort while the rest of the answer waits unread ends the iteration with the abort, not with the queued end', async () => {
    const busy = (): number | undefined => runtime.models().find((m) => m.id === 'plain')?.slotsBusy
    // the slot is freed when the child's end arrives: then the whole answer is queued, unread
    const answered = new Promise<void>((resolve) => {
      const onChange = (): void => {
        if (busy() !== 0) return
        runtime.removeEventListener('models:change', onChange)
        resolve()
      }
      runtime.addEventListener('models:change', onChange)
    })
    const ac = new AbortController()
    const events = runtime.generate({ model: 'plain', prompt: text, params: { maxTokens: 24, seed: 7 } }, { signal: ac.signal })[Symbol.asyncIterator]()
    expect((await events.next()).done).toBe(false)
    await within(answered, 'the whole answer to arrive')
    ac.abort(new Error('client went away'))
    await expect(events.next()).rejects.toThrow('client went away')
    expect(busy()).toBe(0)
  })

  it('stops the child-side generation on abort, so a waiting request gets the only slot at once', async () => {
    await runtime.load({ id: 'single', path: paths.plain, slots: 1 })
    const task = { model: 'single', prompt: text, params: { maxTokens: 400, seed: 5 } }
    const full = usageCheck(await collect(runtime, task))
    expect(full.completionTokens).toBe(400)
    const ac = new AbortController()
    await expect(async () => {
      for await (const e of runtime.generate(task, { signal: ac.signal })) if (e.type === 'text') ac.abort()
    }).rejects.toThrow()
    const next = usageCheck(await collect(runtime, { ...task, params: { maxTokens: 2 } }))
    // the child times a request from its arrival, so a slot still busy with the cancelled 400 tokens would show
    expect(next.durationMs).toBeLessThan(full.durationMs / 2)
    await runtime.unload('single')
  })

  it('reuses a slot\'s KV cache for a shared prompt prefix, with the same greedy output as without it', async () => {
    await runtime.load({ id: 'cached', path: paths.chat, slots: 2, contextSize: 512 })
    await runtime.load({ id: 'fresh', path: paths.chat, slots: 1, contextSize: 512 })
    const turn1: PromptInput = { kind: 'chat', messages: [{ role: 'user', content: 'the mesh and the model and the node' }] }
    const greedy = { maxTokens: 8, temperature: 0 }
    const first = await collect(runtime, { model: 'cached', prompt: turn1, params: greedy })
    expect(usageCheck(first).cachedTokens).toBe(0)
    // the same prompt again: everything but the last prompt token comes from the cache
    const again = await collect(runtime, { model: 'cached', prompt: turn1, params: greedy })
    expect(usageCheck(again).cachedTokens).toBe(usageCheck(again).promptTokens - 1)
    expect(textOf(again)).toBe(textOf(first))
    // the next turn of the conversation repeats the first one: its prefix is cached, the rest evaluated
    const turn2: PromptInput = { kind: 'chat', messages: [...(turn1.kind === 'chat' ? turn1.messages : []), { role: 'assistant', content: textOf(first) }, { role: 'user', content: 'and then' }] }
    const cached = await collect(runtime, { model: 'cached', prompt: turn2, params: greedy })
    const end = usageCheck(cached)
    expect(end.cachedTokens).toBeGreaterThanOrEqual(usageCheck(first).promptTokens - 1)
    expect(end.cachedTokens).toBeLessThan(end.promptTokens)
    // a model instance that never saw turn 1 evaluates all of turn 2 and says the same
    const uncached = await collect(runtime, { model: 'fresh', prompt: turn2, params: greedy })
    expect(usageCheck(uncached).cachedTokens).toBe(0)
    expect(textOf(cached)).toBe(textOf(uncached))
    // a cancelled generation leaves nothing behind to reuse
    const ac = new AbortController()
    await expect(async () => {
      for await (const e of runtime.generate({ model: 'fresh', prompt: turn1, params: { maxTokens: 200, temperature: 0 } }, { signal: ac.signal })) if (e.type === 'text') ac.abort()
    }).rejects.toThrow()
    expect(usageCheck(await collect(runtime, { model: 'fresh', prompt: turn1, params: greedy })).cachedTokens).toBe(0)
    await runtime.unload('cached')
    await runtime.unload('fresh')
  })

  it('stops a generation when the consumer breaks out of the loop', async () => {
    for await (const e of runtime.generate({ model: 'plain', prompt: text, params: { maxTokens: 400 } })) {
      if (e.type === 'text') break
    }
    expect(runtime.models().find((m) => m.id === 'plain')?.slotsBusy).toBe(0)
  })

  it('embeds: 64 dimensions for the tiny model, deterministic, prompt tokens summed', async () => {
    const inputs = ['hello world', 'the mesh', '']
    const a = await runtime.embed('plain', inputs)
    const b = await runtime.embed('plain', inputs)
    expect(a.vectors.map((v) => v.length)).toEqual([64, 64, 64])
    expect(a.vectors).toEqual(b.vectors)
    expect(a.vectors[0]).not.toEqual(a.vectors[1])
    const counts = await Promise.all(inputs.slice(0, 2).map((t) => runtime.countTokens('plain', { kind: 'text', text: t })))
    // the empty input is embedded as BOS alone
    expect(a.promptTokens).toBe(counts[0]! + counts[1]! + 1)
  })

  it('refuses a prompt that does not fit in the context with ContextOverflowError', async () => {
    const long: PromptInput = { kind: 'text', text: 'hello '.repeat(600) }
    expect(await runtime.countTokens('plain', long)).toBeGreaterThan(512)
    const err = await collect(runtime, { model: 'plain', prompt: long, params: {} }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ContextOverflowError)
    expect((err as ContextOverflowError).param).toBe('prompt')
    const embedErr = await runtime.embed('plain', ['hello '.repeat(600)]).catch((e: unknown) => e)
    expect(embedErr).toBeInstanceOf(ContextOverflowError)
    expect((embedErr as ContextOverflowError).param).toBe('input')
    expect(runtime.models().find((m) => m.id === 'plain')?.slotsBusy).toBe(0)
  })

  it('clamps maxTokens to the context left after the prompt and reports length', async () => {
    const prompt: PromptInput = { kind: 'text', text: 'hello '.repeat(240) }
    const n = await runtime.countTokens('chat', prompt)
    expect(n).toBeLessThan(256)
    const end = usageCheck(await collect(runtime, { model: 'chat', prompt, params: { maxTokens: 1000, temperature: 0 } }))
    expect(end.finishReason).toBe('length')
    expect(end.promptTokens + end.completionTokens).toBe(256)
  })

  it('ends generations of a model that is replaced by a new load of its id with RuntimeUnavailableError', async () => {
    // a generation far longer than the new load takes, even on a loaded box (an end token cannot end it)
    await runtime.load({ id: 'swap', path: paths.plain, slots: 1, contextSize: 8192 })
    let loading: Promise<ModelStatus> | undefined
    const err = await (async () => {
      for await (const e of runtime.generate({ model: 'swap', prompt: text, params: { maxTokens: 8000, ignoreEos: true } })) {
        if (e.type === 'text') loading ??= runtime.load({ id: 'swap', path: paths.chat, slots: 1 })
      }
    })().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RuntimeUnavailableError)
    expect(await loading).toMatchObject({ id: 'swap', state: 'loaded', hasChatTemplate: true })
    expect(usageCheck(await collect(runtime, { model: 'swap', prompt: chat, params: { maxTokens: 2 } })).completionTokens).toBe(2)
    await runtime.unload('swap')
  })

  it('throws ModelNotFoundError for a model that is not loaded', async () => {
    await expect(collect(runtime, { model: 'nope', prompt: text, params: {} })).rejects.toBeInstanceOf(ModelNotFoundError)
    await expect(runtime.embed('nope', ['x'])).rejects.toBeInstanceOf(ModelNotFoundError)
  })
})
