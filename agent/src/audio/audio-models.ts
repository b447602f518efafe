/**
 * Audio models next to the llama.cpp ones: which model files go to the audio child, and the one model
 * list routing, gossip and `/v1/models` read.
 */
import { existsSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { Logger } from 'pino'
import { isWhisperModel, type AudioEngine, type AudioRuntime, type InferenceRuntime } from '../../../native-runtime/src/index.js'
import type { ModelFile } from '../node/model-sources.js'

/**
 * The audio engine of a model file: whisper.cpp for a file with the ggml magic (a whisper `.bin`), sherpa-onnx
 * TTS for an `.onnx` file with a `tokens.txt` beside it; undefined for everything else (GGUF).
 */
export async function audioEngineOf(path: string): Promise<AudioEngine | undefined> {
  if (/\.onnx$/i.test(path) && existsSync(join(dirname(path), 'tokens.txt'))) return 'tts'
  return (await isWhisperModel(path)) ? 'whisper' : undefined
}

/** A whisper model is named by its file name without `.bin`; a TTS model by its `.onnx` name, or its folder's for `model.onnx`. */
export function audioModelId(path: string): string {
  const name = basename(path).replace(/\.(bin|onnx)$/i, '')
  return name === 'model' ? basename(dirname(path)) : name
}

/**
 * Loads the audio models among `files` into the audio runtime and returns the rest. A model that fails to
 * load is logged and listed as failed, like a GGUF that fails: the node still starts.
 */
export async function loadAudioModels(audio: AudioRuntime, files: ModelFile[], log: Logger): Promise<ModelFile[]> {
  const rest: ModelFile[] = []
  for (const f of files) {
    const engine = await audioEngineOf(f.path)
    if (!engine) {
      rest.push(f)
      continue
    }
    const id = audioModelId(f.path)
    await audio.load(id, f.path, engine).catch((err: unknown) => log.error({ model: id, err: (err as Error).message }, 'audio model failed to load'))
  }
  return rest
}

/** `runtime` whose `models()` also lists the audio models (everything else is the runtime's own). */
export function withAudioModels(runtime: InferenceRuntime, audio: AudioRuntime): InferenceRuntime {
  return new Proxy(runtime, {
    get(target, prop) {
      if (prop === 'models') return () => [...target.models(), ...audio.models()]
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    }
  })
}
