/**
 * Shared pieces of the native-runtime integration tests: tiny models on disk, a quiet logger, event helpers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { GenerationEvent, GenerationTask } from '../../../native-runtime/src/interfaces.js'
import { writeTinyGguf } from '../../../native-runtime/src/gguf/tiny-gguf.js'
import { LlamaCppRuntime, type LlamaCppRuntimeInit } from '../../../native-runtime/src/llama-cpp-runtime.js'
import { within } from '../../helpers/within.js'

/** A ChatML template; `{% if tools %}` makes the model advertise tool support. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
export const TOOLS_TEMPLATE = '{% if tools %}{{ tools | tojson }}{% endif %}' + CHATML_TEMPLATE

/** A temp directory for generated models; `cleanup` removes it. */
export async function modelDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-runtime-'))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** Writes the models the tests use and returns their paths. */
export async function writeModels(dir: string): Promise<Record<'plain' | 'chat' | 'tools' | 'aborting' | 'garbage', string>> {
  const paths = {
    plain: join(dir, 'plain.gguf'),
    chat: join(dir, 'chat.gguf'),
    tools: join(dir, 'tools.gguf'),
    aborting: join(dir, 'aborting.gguf'),
    garbage: join(dir, 'garbage.gguf')
  }
  await writeTinyGguf(paths.plain)
  await writeTinyGguf(paths.chat, { chatTemplate: CHATML_TEMPLATE, seed: 2 })
  await writeTinyGguf(paths.tools, { chatTemplate: TOOLS_TEMPLATE, seed: 3 })
  await writeTinyGguf(paths.aborting, { omit: ['llama.feed_forward_length'] })
  await writeFile(paths.garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)))
  return paths
}

/** A runtime with a silent logger (set LLMLB_TEST_LOG=debug to see it). */
export function newRuntime(init: LlamaCppRuntimeInit = {}): LlamaCppRuntime {
  const logger = pino({ level: process.env.LLMLB_TEST_LOG ?? 'silent' })
  return new LlamaCppRuntime({ logger }, { restartBackoffMs: 50, ...init })
}

/** Runs a generation to its end and returns every event. */
export async function collect(runtime: LlamaCppRuntime, task: GenerationTask, signal?: AbortSignal): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = []
  for await (const e of runtime.generate(task, signal === undefined ? {} : { signal })) events.push(e)
  return events
}

/** The concatenated text of a generation's events. */
export function textOf(events: GenerationEvent[]): string {
  return events.map((e) => (e.type === 'text' ? e.text : '')).join('')
}

/** The next event of `type` on `target`; rejects naming it after `ms`. */
export function nextEvent<T = unknown>(target: EventTarget, type: string, ms?: number): Promise<CustomEvent<T>> {
  return within(new Promise((resolve) => target.addEventListener(type, (e) => resolve(e as CustomEvent<T>), { once: true })), `runtime event ${type}`, ms)
}
