/**
 * `AudioRuntime`: the agent-side supervisor of the audio child (whisper.cpp through whisper.node), the
 * second child kind next to `LlamaCppRuntime`. It starts the child with the first audio model, matches
 * answers to requests, puts a deadline on each one, and when the child dies (a native abort, a kill -9,
 * a call past its deadline) fails what was in flight with `runtime_unavailable` and starts a new child
 * that reloads the models. Its models appear in `models()` as `ModelStatus` rows with the
 * `transcription` capability, so routing, gossip and `/v1/models` treat them like any other model.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import type { Logger } from 'pino'
import { RESTART_BACKOFF_MAX_MS, RESTART_BACKOFF_MS, STOP_TIMEOUT_MS } from '../constants.js'
import { errorFromWire } from '../error-wire.js'
import { ModelLoadError, ModelNotFoundError, RuntimeUnavailableError } from '../errors.js'
import type { AbortOptions, ModelStatus } from '../interfaces.js'
import { defaultThreads } from '../threads.js'
import { AsyncQueue } from '../async-queue.js'
import { audioChildMessageSchema, type AudioChildMessage, type AudioEngine, type AudioParentMessage, type Transcript, type TranscribeOptions } from './protocol.js'
import { voicesOf } from './voices.js'
import { resolveAudioChildEntry } from './child-entry.js'
import { PcmHandoff } from './pcm-handoff.js'

/** Default deadline of one whisper call in the child (ms); the parent waits a little longer. */
export const AUDIO_CALL_TIMEOUT_MS = 300_000
/** Deadline for the audio child to start (ms). */
const AUDIO_START_TIMEOUT_MS = 30_000

export interface AudioRuntimeInit {
  /** whisper.cpp threads per call. @default defaultThreads() */
  threads?: number
  /** Deadline of one binding call (ms). @default AUDIO_CALL_TIMEOUT_MS */
  callTimeoutMs?: number
  /** First restart delay after a crash (ms), doubling per crash in a row. @default RESTART_BACKOFF_MS */
  restartBackoffMs?: number
  /** Compiled child entry. @default resolveAudioChildEntry(import.meta.url) */
  childEntry?: string
}

type Pending = { resolve: (value: AudioChildMessage) => void; reject: (err: unknown) => void; timer: NodeJS.Timeout }
type Spec = { id: string; path: string; sizeBytes: number; engine: AudioEngine; speakers?: number; sampleRate?: number }
type SpeechEvent = { samples: Float32Array } | { end: true }

/** Speech as it is produced: the sample rate first, then mono float chunks. */
export interface SpeechStream {
  sampleRate: number
  chunks: AsyncIterable<Float32Array>
}

export class AudioRuntime extends EventTarget {
  private readonly log: Logger
  private readonly specs = new Map<string, Spec>()
  private readonly status = new Map<string, ModelStatus>()
  private readonly pending = new Map<number, Pending>()
  private readonly streams = new Map<number, AsyncQueue<SpeechEvent>>()
  private child: ChildProcess | null = null
  private ready: Promise<ChildProcess> | null = null
  private lastId = 0
  private stopping = false
  private crashes = 0
  private restartCount = 0
  private restartTimer: NodeJS.Timeout | undefined
  private stableTimer: NodeJS.Timeout | undefined
  private readonly handoff = new PcmHandoff()

  constructor(logger: Logger, private readonly init: AudioRuntimeInit = {}) {
    super()
    this.log = logger.child({ component: 'audio-runtime' })
  }

  /** Cached status of every audio model. */
  models(): ModelStatus[] {
    return [...this.status.values()].map((s) => ({ ...s }))
  }

  /** True while the child runs (or no audio model needs one). */
  isUp(): boolean {
    return this.specs.size === 0 || (this.child !== null && this.ready === null)
  }

  /** Child restarts after crashes so far. */
  restarts(): number {
    return this.restartCount
  }

  /** Pid of the current child, or null. */
  childPid(): number | null {
    return this.child?.pid ?? null
  }

  /** Loads (or reloads) a whisper.cpp or TTS model; the child starts with the first one. */
  async load(id: string, path: string, engine: AudioEngine, options: AbortOptions = {}): Promise<ModelStatus> {
    const sizeBytes = (await stat(path)).size
    const spec: Spec = { id, path, sizeBytes, engine }
    this.specs.set(id, spec)
    this.setStatus(id, 'loading')
    try {
      const child = await this.childReady()
      options.signal?.throwIfAborted()
      await this.loadInto(child, spec)
    } catch (err) {
      this.specs.delete(id)
      this.setStatus(id, 'failed', (err as Error).message)
      throw err instanceof ModelLoadError ? err : new ModelLoadError(id, (err as Error).message, err)
    }
    return { ...(this.status.get(id) as ModelStatus) }
  }

  async unload(id: string): Promise<void> {
    if (!this.status.has(id)) throw new ModelNotFoundError(id)
    this.specs.delete(id)
    this.status.delete(id)
    this.changed()
    if (this.child && this.ready === null) await this.request(this.child, { type: 'unload', id: this.nextId(), model: id }).catch(() => undefined)
  }

  /**
   * Transcribes 16 kHz mono 16-bit little-endian PCM, given as its bytes. The caller holds the model's
   * slot (the admission queue). Aborting `signal` stops whisper at its next step. Throws
   * ModelNotFoundError, RuntimeUnavailableError.
   */
  async transcribe(model: string, pcm: Uint8Array, options: TranscribeOptions, { signal }: AbortOptions = {}): Promise<Transcript> {
    signal?.throwIfAborted()
    const child = this.usable(model)
    const s = this.status.get(model) as ModelStatus
    const id = this.nextId()
    const onAbort = (): void => void child.send({ type: 'cancel', id } satisfies AudioParentMessage)
    signal?.addEventListener('abort', onAbort, { once: true })
    s.slotsBusy++
    let file: string | undefined
    try {
      file = await this.handoff.write(pcm)
      signal?.throwIfAborted()
      const answer = await this.request(child, { type: 'transcribe', id, model, file, samples: pcm.byteLength / 2, options })
      if (answer.type !== 'transcript') throw new RuntimeUnavailableError('The audio child sent an unexpected answer')
      this.recordSpeed(s, pcm.byteLength / 2 / 16_000, answer.transcript.durationMs)
      signal?.throwIfAborted()
      return answer.transcript
    } finally {
      s.slotsBusy--
      signal?.removeEventListener('abort', onAbort)
      if (file) this.handoff.release(file)
    }
  }

  /**
   * Speaks `text` with a TTS model; chunks arrive as the engine produces them. The caller holds the
   * model's slot. Aborting `signal` (or leaving the iteration) stops the engine at its next chunk.
   */
  speak(model: string, text: string, voice: { speaker: number; speed: number }, { signal }: AbortOptions = {}): SpeechStream {
    signal?.throwIfAborted()
    const child = this.usable(model)
    const spec = this.specs.get(model) as Spec
    const id = this.nextId()
    const queue = new AsyncQueue<SpeechEvent>()
    this.streams.set(id, queue)
    const status = this.status.get(model) as ModelStatus
    status.slotsBusy++
    const t0 = performance.now()
    let seconds = 0
    const finish = (): void => {
      if (!this.streams.delete(id)) return
      status.slotsBusy--
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = (): void => {
      if (child.connected) child.send({ type: 'cancel', id } satisfies AudioParentMessage)
      queue.fail(signal?.reason)
      finish()
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const timer = setTimeout(() => {
      queue.fail(new RuntimeUnavailableError('The audio runtime did not answer in time; it restarts'))
      finish()
      child.kill('SIGKILL')
    }, this.callTimeout() + 5_000)
    child.send({ type: 'speak', id, model, text, speaker: voice.speaker, speed: voice.speed } satisfies AudioParentMessage)
    const rate = spec.sampleRate ?? 16_000
    const self = this
    return {
      sampleRate: rate,
      chunks: (async function* () {
        try {
          for (;;) {
            const e = await queue.next()
            if ('end' in e) break
            seconds += e.samples.length / rate
            yield e.samples
          }
          self.recordSpeed(status, seconds, performance.now() - t0)
        } finally {
          if (self.streams.has(id) && child.connected) child.send({ type: 'cancel', id } satisfies AudioParentMessage)
          finish()
        }
      })()
    }
  }

  async stop(): Promise<void> {
    this.stopping = true
    clearTimeout(this.restartTimer)
    clearTimeout(this.stableTimer)
    const child = this.child
    this.child = null
    this.ready = null
    this.failAll(new RuntimeUnavailableError('The audio runtime stopped'))
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      child.disconnect?.()
      child.kill('SIGTERM')
      await exited
      clearTimeout(timer)
    }
    await this.handoff.close()
    this.stopping = false
  }

  /** The child, when `model` is loaded and the child is up; else the error a request gets. */
  private usable(model: string): ChildProcess {
    const s = this.status.get(model)
    if (s?.state !== 'loaded') {
      if (s && s.state === 'loading') throw new RuntimeUnavailableError('The audio runtime is restarting; retry shortly')
      throw new ModelNotFoundError(model)
    }
    if (this.child === null || this.ready !== null) throw new RuntimeUnavailableError('The audio runtime is restarting; retry shortly')
    return this.child
  }

  /** Speed in audio seconds per wall second, an exponential average like the text models' tokens/s. */
  private recordSpeed(s: ModelStatus, audioSeconds: number, wallMs: number): void {
    const rate = audioSeconds / Math.max(wallMs / 1000, 1e-3)
    s.tokensPerSecond = s.tokensPerSecond === 0 ? rate : s.tokensPerSecond * 0.7 + rate * 0.3
  }

  private async loadInto(child: ChildProcess, spec: Spec): Promise<void> {
    const answer = await this.request(child, { type: 'load', id: this.nextId(), model: spec.id, path: spec.path, engine: spec.engine })
    if (answer.type === 'loaded' && spec.engine === 'tts') {
      spec.speakers = answer.speakers ?? 1
      spec.sampleRate = answer.sampleRate ?? 16_000
    }
    this.setStatus(spec.id, 'loaded')
  }

  // ---- child lifecycle ----

  private childReady(): Promise<ChildProcess> {
    if (this.child && this.ready === null) return Promise.resolve(this.child)
    this.ready ??= this.spawn()
    return this.ready
  }

  private spawn(): Promise<ChildProcess> {
    const child = fork(this.init.childEntry ?? resolveAudioChildEntry(import.meta.url), [JSON.stringify({ threads: this.init.threads ?? defaultThreads(), parentPid: process.pid, callTimeoutMs: this.callTimeout() })], {
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced'
    })
    this.child = child
    // whisper.cpp prints its model banner on stdout/stderr: debug lines, not warnings
    for (const s of [child.stdout, child.stderr]) if (s) createInterface({ input: s }).on('line', (line) => this.log.debug({ line }, 'audio child output'))
    child.on('error', (err) => this.log.debug({ err: err.message }, 'audio child channel error'))
    child.once('exit', (code, signal) => this.onExit(child, code, signal))
    return new Promise<ChildProcess>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new RuntimeUnavailableError(`The audio child did not start within ${AUDIO_START_TIMEOUT_MS} ms`))
      }, AUDIO_START_TIMEOUT_MS)
      child.once('exit', () => {
        clearTimeout(timer)
        reject(new RuntimeUnavailableError('The audio child exited during start-up'))
      })
      child.on('message', (raw) => {
        const parsed = audioChildMessageSchema.safeParse(raw)
        if (!parsed.success) return void this.log.warn({ issue: parsed.error.issues[0]?.message }, 'dropped invalid message from audio child')
        const m = parsed.data
        if (m.type === 'ready') {
          clearTimeout(timer)
          this.ready = null
          this.log.info({ childPid: m.pid }, 'audio child ready')
          return resolve(child)
        }
        if (m.type === 'log') return void this.log[m.level]({ child: true }, m.msg)
        if (this.onSpeech(m)) return
        this.settle(m as Exclude<AudioChildMessage, { type: 'ready' | 'log' | 'speech' | 'spoken' }>)
      })
    })
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return
    this.child = null
    this.failAll(new RuntimeUnavailableError('The audio runtime process died during this request; retry shortly'))
    if (this.stopping) return
    this.log.error({ code, signal }, 'audio child died')
    for (const id of this.specs.keys()) this.setStatus(id, 'loading')
    this.dispatchEvent(new CustomEvent('runtime:crash', { detail: { code, signal } }))
    const base = this.init.restartBackoffMs ?? RESTART_BACKOFF_MS
    const delay = Math.min(base * 2 ** this.crashes++, RESTART_BACKOFF_MAX_MS)
    clearTimeout(this.stableTimer)
    this.ready = new Promise<ChildProcess>((resolve, reject) => {
      this.restartTimer = setTimeout(() => this.restart().then(resolve, reject), delay)
    })
    this.ready.catch(() => undefined)
  }

  /** A new child, with every model the old one held. */
  private async restart(): Promise<ChildProcess> {
    this.ready = null
    const child = await this.childReady()
    for (const spec of this.specs.values()) {
      try {
        await this.loadInto(child, spec)
      } catch (err) {
        this.setStatus(spec.id, 'failed', (err as Error).message)
      }
    }
    this.restartCount++
    this.stableTimer = setTimeout(() => (this.crashes = 0), 60_000)
    this.stableTimer.unref()
    this.log.info({ childPid: child.pid, restarts: this.restartCount }, 'audio child restarted')
    this.dispatchEvent(new CustomEvent('runtime:restart', { detail: { restarts: this.restartCount } }))
    return child
  }

  // ---- requests ----

  private nextId(): number {
    return ++this.lastId
  }

  private callTimeout(): number {
    return this.init.callTimeoutMs ?? AUDIO_CALL_TIMEOUT_MS
  }

  private request(child: ChildProcess, message: AudioParentMessage): Promise<AudioChildMessage> {
    if (!child.connected) return Promise.reject(new RuntimeUnavailableError())
    return new Promise<AudioChildMessage>((resolve, reject) => {
      // the child enforces the deadline itself; this one catches a child too stuck to answer at all
      const timer = setTimeout(() => {
        this.pending.delete(message.id)
        reject(new RuntimeUnavailableError('The audio runtime did not answer in time; it restarts'))
        child.kill('SIGKILL')
      }, this.callTimeout() + 5_000)
      this.pending.set(message.id, { resolve, reject, timer })
      child.send(message)
    })
  }

  private settle(m: Exclude<AudioChildMessage, { type: 'ready' | 'log' | 'speech' | 'spoken' }>): void {
    const p = this.pending.get(m.id)
    if (!p) return
    this.pending.delete(m.id)
    clearTimeout(p.timer)
    if (m.type === 'error') p.reject(errorFromWire(m.error))
    else p.resolve(m)
  }

  /** A speech stream's chunk, end or error. */
  private onSpeech(m: AudioChildMessage): boolean {
    const q = 'id' in m ? this.streams.get(m.id) : undefined
    if (!q) return m.type === 'speech' || m.type === 'spoken'
    if (m.type === 'speech') q.push({ samples: m.samples })
    else if (m.type === 'spoken') q.push({ end: true })
    else if (m.type === 'error') q.fail(errorFromWire(m.error))
    else return false
    return true
  }

  private failAll(err: Error): void {
    for (const q of this.streams.values()) q.fail(err)
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.pending.clear()
  }

  private setStatus(id: string, state: ModelStatus['state'], error?: string): void {
    const spec = this.specs.get(id)
    const old = this.status.get(id)
    this.status.set(id, {
      id,
      path: spec?.path ?? old?.path ?? '',
      state,
      ...(error === undefined ? {} : { error }),
      contextLength: 0,
      contextSize: 0,
      capabilities: { chat: false, completion: false, embeddings: false, tools: false, vision: false, transcription: spec?.engine !== 'tts', speech: spec?.engine === 'tts' },
      hasChatTemplate: false,
      sizeBytes: spec?.sizeBytes ?? old?.sizeBytes ?? 0,
      quantization: spec?.engine === 'tts' ? 'onnx' : 'ggml',
      architecture: spec?.engine === 'tts' ? 'vits' : 'whisper',
      ...(spec?.engine === 'tts' && spec.speakers !== undefined ? { voices: voicesOf(spec.speakers) } : {}),
      // one engine context runs one request at a time
      slotsTotal: 1,
      slotsBusy: 0,
      tokensPerSecond: old?.tokensPerSecond ?? 0
    })
    this.changed()
  }

  private changed(): void {
    this.dispatchEvent(new CustomEvent('models:change', { detail: this.models() }))
  }
}
