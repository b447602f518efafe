/**
 * Entry point of the audio child process, forked by `AudioRuntime`. It runs whisper.cpp through
 * `@fugood/whisper.node`, so a model that aborts the process takes down only this child. Every binding
 * call has a deadline: on a native error whisper.node 1.1.3 calls back with one argument and its
 * promise never settles, so a call past its deadline answers `runtime_unavailable` and the child exits
 * (the supervisor starts a fresh one) instead of hanging with a stuck native worker.
 */
import { initWhisper } from '@fugood/whisper.node'
import { errorToWire } from '../error-wire.js'
import { ModelLoadError, ModelNotFoundError, RuntimeUnavailableError } from '../errors.js'
import { watchParent } from '../child/parent-watchdog.js'
import { audioChildInitSchema, type AudioChildMessage, type AudioParentMessage, type TranscribeOptions } from './protocol.js'
import { openTts, speak, type TtsModel } from './tts-engine.js'

type WhisperContext = Awaited<ReturnType<typeof initWhisper>>

const parsed = audioChildInitSchema.safeParse(JSON.parse(process.argv[2] ?? 'null'))
if (!parsed.success) {
  process.stderr.write(`llmlb audio child: invalid init argument: ${parsed.error.message}\n`)
  process.exit(2)
}
const init = parsed.data
watchParent(init.parentPid, { exit: (code) => process.exit(code) })

const models = new Map<string, WhisperContext>()
const voices = new Map<string, TtsModel>()
const running = new Map<number, () => void>()
const send = (m: AudioChildMessage): void => void process.send?.(m)

/** Resolves with the binding's answer, or rejects after the deadline and then ends this process. */
async function guarded<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RuntimeUnavailableError(`whisper.cpp did not finish ${what} within ${init.callTimeoutMs} ms; the audio runtime restarts`)), init.callTimeoutMs)
  })
  try {
    return await Promise.race([promise, deadline])
  } catch (err) {
    if (err instanceof RuntimeUnavailableError) setTimeout(() => process.exit(3), 50) // let the error reach the parent first
    throw err
  } finally {
    clearTimeout(timer)
  }
}

async function transcribe(id: number, model: string, file: string, samples: number, options: TranscribeOptions): Promise<void> {
  const ctx = models.get(model)
  if (!ctx) throw new ModelNotFoundError(model)
  const t0 = performance.now()
  // whisper.cpp reads the parent's WAV file itself: no copy of the PCM crosses the IPC channel
  const job = ctx.transcribeFile(file, {
    language: options.language ?? 'auto',
    translate: options.translate,
    temperature: options.temperature ?? 0,
    ...(options.temperatureInc !== undefined ? { temperatureInc: options.temperatureInc } : {}),
    maxThreads: init.threads,
    tokenTimestamps: options.words === true,
    ...(options.prompt ? { prompt: options.prompt } : {})
  })
  running.set(id, () => void job.stop())
  try {
    const r = await guarded('a transcription', job.promise)
    const lengthMs = (samples / 16) | 0
    send({
      type: 'transcript',
      id,
      transcript: {
        text: r.result.trim(),
        // the language asked for, else the one whisper detected
        language: options.language ?? r.language ?? 'en',
        // whisper's timestamps are centiseconds, and random or very short audio can overshoot the end
        segments: r.segments.map((s) => ({ text: s.text, startMs: Math.min(s.t0 * 10, lengthMs), endMs: Math.min(s.t1 * 10, lengthMs) })),
        durationMs: performance.now() - t0
      }
    })
  } finally {
    running.delete(id)
  }
}

async function handle(m: AudioParentMessage): Promise<void> {
  switch (m.type) {
    case 'load': {
      if (m.engine === 'tts') {
        const t = await guarded('loading a model', openTts(m.path, init.threads)).catch((err: unknown) => {
          throw err instanceof RuntimeUnavailableError ? err : new ModelLoadError(m.model, (err as Error).message)
        })
        voices.set(m.model, t)
        return send({ type: 'loaded', id: m.id, speakers: Math.max(1, t.tts.numSpeakers), sampleRate: t.tts.sampleRate })
      }
      const old = models.get(m.model)
      const ctx = await guarded('loading a model', initWhisper({ filePath: m.path, useGpu: false })).catch((err: unknown) => {
        throw err instanceof RuntimeUnavailableError ? err : new ModelLoadError(m.model, (err as Error).message)
      })
      models.set(m.model, ctx)
      if (old) await old.release()
      return send({ type: 'loaded', id: m.id })
    }
    case 'unload': {
      const ctx = models.get(m.model)
      models.delete(m.model)
      voices.delete(m.model)
      await ctx?.release()
      return send({ type: 'unloaded', id: m.id })
    }
    case 'transcribe':
      return transcribe(m.id, m.model, m.file, m.samples, m.options)
    case 'speak': {
      const t = voices.get(m.model)
      if (!t) throw new ModelNotFoundError(m.model)
      let stopped = false
      running.set(m.id, () => (stopped = true))
      try {
        await guarded('speech', speak(t, m.text, m.speaker, m.speed, (samples) => {
          if (!stopped) send({ type: 'speech', id: m.id, samples })
          return !stopped
        }))
      } finally {
        running.delete(m.id)
      }
      return send({ type: 'spoken', id: m.id })
    }
    case 'cancel':
      running.get(m.id)?.()
  }
}

process.on('message', (m: AudioParentMessage) => {
  handle(m).catch((err: unknown) => send({ type: 'error', id: 'id' in m ? m.id : 0, error: errorToWire(err) }))
})
send({ type: 'ready', pid: process.pid })
