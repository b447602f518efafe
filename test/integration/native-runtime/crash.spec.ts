import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelLoadError, RuntimeUnavailableError } from '../../../native-runtime/src/errors.js'
import type { GenerationEvent, PromptInput } from '../../../native-runtime/src/interfaces.js'
import type { LlamaCppRuntime } from '../../../native-runtime/src/llama-cpp-runtime.js'
import { collect, modelDir, newRuntime, nextEvent, writeModels } from './helpers.js'

let runtime: LlamaCppRuntime
let paths: Awaited<ReturnType<typeof writeModels>>
let cleanup: () => Promise<void>
const text: PromptInput = { kind: 'text', text: 'hello mesh' }

beforeAll(async () => {
  const d = await modelDir()
  cleanup = d.cleanup
  paths = await writeModels(d.dir)
  runtime = newRuntime()
  await runtime.start()
  await runtime.load({ id: 'good', path: paths.plain, slots: 2 })
})

afterAll(async () => {
  await runtime?.stop()
  await cleanup?.()
})

describe('LlamaCppRuntime when llama.cpp fails', () => {
  it('rejects a random-bytes file with ModelLoadError without losing the child', async () => {
    const pid = runtime.childPid()
    const err = await runtime.load({ id: 'garbage', path: paths.garbage }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ModelLoadError)
    expect((err as Error).message).toMatch(/garbage/)
    expect(runtime.childPid()).toBe(pid)
    expect(runtime.restarts()).toBe(0)
    expect(runtime.models().find((m) => m.id === 'garbage')).toMatchObject({ state: 'failed' })
    await runtime.unload('garbage')
  })

  it('survives a GGUF that aborts llama.cpp: ModelLoadError, the child restarts without it, the other model still serves', async () => {
    const crashed = nextEvent<{ code: number | null; signal: string | null }>(runtime, 'runtime:crash')
    const restarted = nextEvent<{ restarts: number }>(runtime, 'runtime:restart')
    const pid = runtime.childPid()
    const err = await runtime.load({ id: 'aborting', path: paths.aborting }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ModelLoadError)
    // the reason carries llama.cpp's last stderr line when there is one
    expect((err as Error).message).toMatch(/died while loading it \(signal SIGABRT/)
    expect((await crashed).detail.signal ?? (await crashed).detail.code).toBeTruthy()
    expect(runtime.isUp()).toBe(false)
    expect((await restarted).detail.restarts).toBe(1)
    expect(runtime.isUp()).toBe(true)
    expect(runtime.childPid()).not.toBe(pid)
    const byId = new Map(runtime.models().map((m) => [m.id, m]))
    expect(byId.get('aborting')).toMatchObject({ state: 'failed' })
    expect(byId.get('aborting')?.error).toMatch(/died while loading/)
    expect(byId.get('good')).toMatchObject({ state: 'loaded' })
    const events = await collect(runtime, { model: 'good', prompt: text, params: { maxTokens: 4 } })
    expect(events.at(-1)).toMatchObject({ type: 'end', completionTokens: 4 })
  })

  it('fails the in-flight generation with RuntimeUnavailableError on kill -9, then restarts and serves again', async () => {
    const pid = runtime.childPid()
    expect(pid).not.toBeNull()
    const crashed = nextEvent(runtime, 'runtime:crash')
    const restarted = nextEvent<{ restarts: number }>(runtime, 'runtime:restart')
    const before = runtime.restarts()
    const seen: GenerationEvent[] = []
    const err = await (async () => {
      for await (const e of runtime.generate({ model: 'good', prompt: text, params: { maxTokens: 500 } })) {
        seen.push(e)
        if (seen.length === 2) process.kill(pid as number, 'SIGKILL')
      }
    })().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RuntimeUnavailableError)
    expect(seen.some((e) => e.type === 'end')).toBe(false)
    expect((await crashed).type).toBe('runtime:crash')
    // while the child is down, work is refused rather than queued
    expect(runtime.isUp()).toBe(false)
    await expect(runtime.countTokens('good', text)).rejects.toBeInstanceOf(RuntimeUnavailableError)
    expect((await restarted).detail.restarts).toBe(before + 1)
    expect(runtime.models().find((m) => m.id === 'good')).toMatchObject({ state: 'loaded', slotsBusy: 0 })
    const events = await collect(runtime, { model: 'good', prompt: text, params: { maxTokens: 3 } })
    expect(events.at(-1)).toMatchObject({ type: 'end', completionTokens: 3 })
  })

  it('stops idempotently and refuses work afterwards', async () => {
    const pid = runtime.childPid() as number
    await Promise.all([runtime.stop(), runtime.stop()])
    expect(runtime.isUp()).toBe(false)
    expect(runtime.childPid()).toBeNull()
    expect(() => process.kill(pid, 0)).toThrow()
    await expect(runtime.countTokens('good', text)).rejects.toBeInstanceOf(RuntimeUnavailableError)
  })
})
