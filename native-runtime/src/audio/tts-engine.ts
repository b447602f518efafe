/**
 * Text to speech in the audio child: sherpa-onnx's offline TTS (VITS/Piper-style ONNX models with a
 * `tokens.txt` beside them). Loaded on first use, so a node without speech models never maps
 * onnxruntime. Speech is handed on chunk by chunk as sherpa produces it (a sentence at a time).
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

interface SherpaTts {
  numSpeakers: number
  sampleRate: number
  generateAsync(req: { text: string; sid: number; speed: number; onProgress?: (info: { samples: Float32Array; progress: number }) => number }): Promise<{ samples: Float32Array; sampleRate: number }>
}
type SherpaModule = { OfflineTts: { createAsync(config: unknown): Promise<SherpaTts> } }

let sherpa: SherpaModule | undefined
const load = (): SherpaModule => (sherpa ??= createRequire(import.meta.url)('sherpa-onnx-node') as SherpaModule)

export interface TtsModel {
  tts: SherpaTts
}

/**
 * Opens a VITS model: `path` is the `.onnx` file; `tokens.txt` sits in its folder, with `lexicon.txt`
 * (lexicon models) or `espeak-ng-data/` (Piper voices) when the model needs them.
 */
export async function openTts(path: string, threads: number): Promise<TtsModel> {
  const dir = dirname(path)
  const lexicon = join(dir, 'lexicon.txt')
  const espeak = join(dir, 'espeak-ng-data')
  const vits = { model: path, tokens: join(dir, 'tokens.txt'), ...(existsSync(lexicon) ? { lexicon } : {}), ...(existsSync(espeak) ? { dataDir: espeak } : {}) }
  const tts = await load().OfflineTts.createAsync({
    model: { vits, numThreads: threads, provider: 'cpu', debug: 0 },
    maxNumSentences: 1
  })
  return { tts }
}

/**
 * Speaks `text`; `onChunk` gets each piece as it is produced and returns false to stop early (cancel).
 */
export async function speak(m: TtsModel, text: string, speaker: number, speed: number, onChunk: (samples: Float32Array<ArrayBuffer>) => boolean): Promise<void> {
  await m.tts.generateAsync({ text, sid: speaker, speed, onProgress: (info) => (onChunk(new Float32Array(info.samples)) ? 1 : 0) })
}
