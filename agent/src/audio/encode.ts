/**
 * Speech bytes in OpenAI's `response_format`s, produced as the engine speaks: `wav` (a streaming header,
 * then 16-bit samples) and `pcm` (raw 16-bit little-endian at 24 kHz, as OpenAI sends it) here; `mp3`,
 * `opus` (Ogg), `aac` (ADTS) and `flac` through `ffmpeg`, fed chunk by chunk and read as it encodes.
 */
import { spawn } from 'node:child_process'
import { AsyncQueue } from '../../../native-runtime/src/async-queue.js'
import { int16le, wavHeader } from './wav.js'

export const SPEECH_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const
export type SpeechFormat = (typeof SPEECH_FORMATS)[number]

export const CONTENT_TYPES: Readonly<Record<SpeechFormat, string>> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm'
}

/** OpenAI's `pcm` is 24 kHz. */
const PCM_RATE = 24_000

const FFMPEG_OUT: Readonly<Record<'mp3' | 'opus' | 'aac' | 'flac', string[]>> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'],
  opus: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg'],
  aac: ['-c:a', 'aac', '-b:a', '64k', '-f', 'adts'],
  flac: ['-c:a', 'flac', '-f', 'flac']
}

export const needsFfmpeg = (f: SpeechFormat): f is keyof typeof FFMPEG_OUT => f in FFMPEG_OUT

/** Linear resampling of one chunk (chunks are sentences: the seams are silences). */
function resample(samples: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return samples
  const n = Math.floor((samples.length * to) / from)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const x = (i * from) / to
    const j = Math.floor(x)
    const a = samples[j] ?? 0
    out[i] = a + ((samples[j + 1] ?? a) - a) * (x - j)
  }
  return out
}

/** The encoded bytes of `chunks`, as they are produced. */
export async function* encodeSpeech(chunks: AsyncIterable<Float32Array>, rate: number, format: SpeechFormat, ffmpeg: string): AsyncGenerator<Uint8Array> {
  if (format === 'wav') {
    yield wavHeader(rate)
    for await (const c of chunks) yield int16le(c)
    return
  }
  if (format === 'pcm') {
    for await (const c of chunks) yield int16le(resample(c, rate, PCM_RATE))
    return
  }
  yield* throughFfmpeg(chunks, rate, FFMPEG_OUT[format as keyof typeof FFMPEG_OUT], ffmpeg)
}

async function* throughFfmpeg(chunks: AsyncIterable<Float32Array>, rate: number, out: string[], command: string): AsyncGenerator<Uint8Array> {
  const p = spawn(command, ['-hide_banner', '-loglevel', 'error', '-f', 's16le', '-ar', String(rate), '-ac', '1', '-i', 'pipe:0', ...out, 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'] })
  const queue = new AsyncQueue<Uint8Array | null>()
  let err = ''
  p.stdout.on('data', (b: Buffer) => queue.push(b))
  p.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-500)))
  p.on('error', (e) => queue.fail(e))
  p.on('close', (code) => (code === 0 ? queue.push(null) : queue.fail(new Error(`ffmpeg failed (${code}): ${err.trim()}`))))
  p.stdin.on('error', () => undefined) // reported through close
  // feeds the encoder while its output is read; a failure of the speech ends ffmpeg's input
  const feed = (async () => {
    try {
      for await (const c of chunks) if (!p.stdin.write(int16le(c))) await new Promise((r) => p.stdin.once('drain', r))
      p.stdin.end()
    } catch (e) {
      queue.fail(e)
      p.kill('SIGKILL')
    }
  })()
  try {
    for (let b = await queue.next(); b !== null; b = await queue.next()) yield b
    await feed
  } finally {
    if (p.exitCode === null) p.kill('SIGKILL')
  }
}
