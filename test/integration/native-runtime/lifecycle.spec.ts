import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { RuntimeUnavailableError } from '../../../native-runtime/src/errors.js'
import type { ModelStatus } from '../../../native-runtime/src/interfaces.js'
import { collect, modelDir, newRuntime, nextEvent, textOf, writeModels } from './helpers.js'

describe('LlamaCppRuntime lifecycle', () => {
  it('rolls back a start whose child dies before ready, and can start afterwards', async () => {
    const runtime = newRuntime({ childExecArgv: ['--require', '/nonexistent/preload.cjs'] })
    const err = await runtime.start().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RuntimeUnavailableError)
    expect((err as Error).message).toMatch(/exited during start-up/)
    expect(runtime.isUp()).toBe(false)
    expect(runtime.childPid()).toBeNull()
    await runtime.stop()
  })

  it('fails start clearly when the compiled child is missing', async () => {
    const runtime = newRuntime({ childEntry: '/nonexistent/child/main.js' })
    await expect(runtime.start()).rejects.toThrow(/build with tsc/)
    expect(runtime.isUp()).toBe(false)
  })

  it('starts idempotently, stops, and starts again with models loaded anew', async () => {
    const { dir, cleanup } = await modelDir()
    const paths = await writeModels(dir)
    const runtime = newRuntime({ gpu: false })
    try {
      await Promise.all([runtime.start(), runtime.start()])
      const first = runtime.childPid()
      const change = nextEvent<ModelStatus[]>(runtime, 'models:change')
      await runtime.load({ id: 'm', path: paths.plain, slots: 1 })
      expect((await change).detail[0]).toMatchObject({ id: 'm', state: 'loading' })
      await runtime.stop()
      expect(runtime.isUp()).toBe(false)
      expect(runtime.models()).toMatchObject([{ id: 'm', state: 'unloaded', slotsBusy: 0 }])
      await expect(collect(runtime, { model: 'm', prompt: { kind: 'text', text: 'x' }, params: {} })).rejects.toBeInstanceOf(
        RuntimeUnavailableError
      )
      await runtime.start()
      expect(runtime.childPid()).not.toBe(first)
      await runtime.load({ id: 'm', path: paths.plain, slots: 1 })
      const events = await collect(runtime, { model: 'm', prompt: { kind: 'text', text: 'x' }, params: { maxTokens: 2 } })
      expect(events.at(-1)).toMatchObject({ type: 'end', completionTokens: 2 })
    } finally {
      await runtime.stop()
      await cleanup()
    }
  })

  it('maps the model file by default and reads it into memory with mmap: false, serving the same text', async () => {
    const { dir, cleanup } = await modelDir()
    const paths = await writeModels(dir)
    const texts: string[] = []
    try {
      for (const mmap of [true, false]) {
        const runtime = newRuntime({ gpu: false, mmap })
        try {
          await runtime.start()
          await runtime.load({ id: 'm', path: paths.chat, slots: 1 })
          // a mapped file appears in the child's memory map by its path; weights read into memory do not
          const maps = await readFile(`/proc/${runtime.childPid()}/maps`, 'utf8')
          expect(maps.includes(paths.chat)).toBe(mmap)
          texts.push(textOf(await collect(runtime, { model: 'm', prompt: { kind: 'text', text: 'the mesh' }, params: { maxTokens: 8, temperature: 0 } })))
        } finally {
          await runtime.stop()
        }
      }
      expect(texts[0]?.length).toBeGreaterThan(0)
      expect(texts[1]).toBe(texts[0])
    } finally {
      await cleanup()
    }
  })
})
