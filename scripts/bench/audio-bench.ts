/**
 * Multimodal benchmark, transcription part: the real-time factor (audio seconds per wall second) of
 * speech to text through the API (`POST /v1/audio/transcriptions` on a real agent: multipart parse, WAV
 * decode, admission, IPC to the audio child, whisper.cpp, JSON) against whisper.node called in this
 * process on the same file and model with the same options and threads (greedy: `temperature_inc` 0, so
 * whisper's sampled fallback does not make one request's work differ from the next). Runs are interleaved one by
 * one, alternating which goes first, so machine noise lands on both alike; the ratio is the median of
 * the per-round ratios. Goal: API ≥ 0.95× in-process.
 *
 * A third path in the same rounds is the floor of any HTTP API on this box: the same upload by the
 * same client to a bare `node:http` server in its own process (`bare-upload.ts`: reads the body,
 * answers), then whisper in this process. The gap between it and in-process is what moving a clip
 * from one process to another over loopback costs here, before any work of the node.
 *
 * Two random-weight models: the tests' toy (16 wide, 1 layer: ~0.3 s per 30 s clip, so the API's fixed
 * ~20–30 ms per request shows as 5–10 %) and a 64-wide, 2-layer one (~1.3 s per clip: still far less work
 * than the smallest real whisper model, whose dimensions — 384 wide, 4 layers — took ~29 s per clip here
 * with random weights on one thread).
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initWhisper } from '@fugood/whisper.node'
import { encodeWav, wavToWhisperPcm } from '../../agent/src/audio/index.js'
import { defaultThreads, writeTinyWhisper, type TinyWhisperOptions } from '../../native-runtime/src/index.js'
import { startBenchAgent, waitUntil } from './agent-proc.js'
import { fmt, median, printTable } from './stats.js'
import { spawnBareUpload } from './bare-upload.js'

interface ModelCase {
  label: string
  options: TinyWhisperOptions
  rounds: number
}

const MODELS: ModelCase[] = [
  { label: 'toy whisper model (16 wide, 1 layer)', options: {}, rounds: 20 },
  { label: 'small whisper model (64 wide, 2 layers)', options: { state: 64, layers: 2 }, rounds: 10 }
]
/** A 30 s clip: a 10 s one took ~0.2 s, so one scheduler hiccup moved a request by 5 %. */
const SECONDS = 30

/** A deterministic clip: a gliding tone with a little noise. */
function clip(): Buffer {
  const rate = 16_000
  const s = new Float32Array(SECONDS * rate)
  let seed = 7
  for (let i = 0; i < s.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    s[i] = 0.3 * Math.sin((2 * Math.PI * (200 + (i / s.length) * 600) * i) / rate) + 0.02 * (seed / 0x7fffffff - 0.5)
  }
  return encodeWav(s, rate)
}

export async function audioBench(): Promise<void> {
  const wav = clip()
  for (const m of MODELS) await rtf(m, wav)
}

async function rtf({ label, options: modelOptions, rounds }: ModelCase, wav: Buffer): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-bench-audio-'))
  const model = join(dir, 'bench-whisper.bin')
  await writeTinyWhisper(model, modelOptions)
  const threads = defaultThreads()
  const agent = await startBenchAgent(['--model', model, '--threads', String(threads)], {}, true)
  const bare = await spawnBareUpload()
  try {
    await waitUntil(async () => ((await (await fetch(`${agent.url}/ready`)).json()) as { models: string[] }).models.includes('bench-whisper'), 60_000, 'the whisper model')
    const ctx = await initWhisper({ filePath: model, useGpu: false })
    // temperature_inc 0 on both sides: no sampled fallback, so every request does the same work (with the
    // fallback, the random-weight model's work varied ~5× from one request to the next on either path)
    const options = { language: 'en', temperature: 0, temperatureInc: 0, translate: false, maxThreads: threads, tokenTimestamps: false }
    const api: number[] = []
    const local: number[] = []
    const floor: number[] = []
    const upload = (url: string): Promise<Response> => {
      const form = new FormData()
      form.append('file', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'clip.wav')
      form.append('model', 'bench-whisper')
      form.append('language', 'en')
      form.append('temperature', '0')
      form.append('temperature_inc', '0')
      return fetch(url, { method: 'POST', body: form })
    }
    const whisperHere = async (): Promise<void> => {
      // the same work the node does: decode the WAV, then whisper
      const pcm = wavToWhisperPcm(wav)
      await ctx.transcribeData(pcm.buffer as ArrayBuffer, options).promise
    }
    const viaApi = async (): Promise<number> => {
      const t0 = performance.now()
      const res = await upload(`${agent.url}/v1/audio/transcriptions`)
      if (res.status !== 200) throw new Error(`transcription answered ${res.status}: ${await res.text()}`)
      await res.json()
      return SECONDS / ((performance.now() - t0) / 1000)
    }
    const inProcess = async (): Promise<number> => {
      const t0 = performance.now()
      await whisperHere()
      return SECONDS / ((performance.now() - t0) / 1000)
    }
    const viaBareUpload = async (): Promise<number> => {
      const t0 = performance.now()
      await (await upload(bare.url)).json()
      await whisperHere()
      return SECONDS / ((performance.now() - t0) / 1000)
    }
    await viaApi() // warm-up: the first call pays for buffers on both sides
    await inProcess()
    await viaBareUpload()
    // the order rotates, so no path always runs right after another
    const paths: [() => Promise<number>, number[]][] = [[viaApi, api], [inProcess, local], [viaBareUpload, floor]]
    for (let i = 0; i < rounds; i++) {
      for (let k = 0; k < paths.length; k++) {
        const [run, into] = paths[(i + k) % paths.length] as [() => Promise<number>, number[]]
        into.push(await run())
      }
    }
    await ctx.release()
    const l = median(local)
    // each API run against the in-process run of its own round (seconds apart): load changes between rounds cancel
    const paired = (xs: number[], base = local): number => median(xs.map((x, i) => x / (base[i] ?? Number.NaN)))
    const row = (path: string, xs: number[]): string[] => [path, fmt(median(xs)), `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`, fmt(median(xs) / l), fmt(paired(xs))]
    printTable(
      `multimodal: transcription real-time factor (${SECONDS} s WAV, ${label}, ${threads} thread(s), ${rounds} interleaved rounds, median)`,
      ['path', 'audio s / wall s', 'range', 'ratio of medians', 'ratio (paired, median)'],
      [
        row('whisper.node in this process', local),
        row('floor: upload to a bare node:http server, then in-process', floor),
        row('POST /v1/audio/transcriptions', api)
      ]
    )
    console.log(`API ÷ floor (paired, median): ${fmt(paired(api, floor))} (what the node itself costs beyond the floor); goal: API ÷ in-process ≥ 0.95`)
  } finally {
    bare.proc.kill('SIGTERM')
    await agent.stop()
  }
}
