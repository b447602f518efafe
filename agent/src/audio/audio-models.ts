/**
 * Audio models next to the llama.cpp ones: which model files go to the audio child, and the one model
 * list routing, gossip and `/v1/models` read.
 */
import { basename } from 'node:path'
import type { Logger } from 'pino'
import { isWhisperModel, type AudioRuntime, type InferenceRuntime } from '../../../native-runtime/src/index.js'
import type { ModelFile } from '../node/model-sources.js'

/**
 * Loads the whisper.cpp models among `files` (a `.bin` with the ggml magic) into the audio runtime and
 * returns the rest. A whisper model is named by its file name without `.bin`. A model that fails to load
 * is logged and listed as failed, like a GGUF that fails: the node still starts.
 */
export async function loadAudioModels(audio: AudioRuntime, files: ModelFile[], log: Logger): Promise<ModelFile[]> {
  const rest: ModelFile[] = []
  for (const f of files) {
    if (!(await isWhisperModel(f.path))) {
      rest.push(f)
      continue
    }
    const id = basename(f.path).replace(/\.bin$/i, '')
    await audio.load(id, f.path).catch((err: unknown) => log.error({ model: id, err: (err as Error).message }, 'audio model failed to load'))
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
