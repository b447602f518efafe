/**
 * WAV (RIFF) reading and writing, pure: PCM 8/16/24/32-bit integer and 32/64-bit float, any channel
 * count and rate. whisper.cpp wants 16 kHz mono 16-bit, so `toWhisperPcm` mixes down and resamples.
 */
import { wavHeader } from '../../../native-runtime/src/index.js'

/** Decoded audio: interleaved channels mixed to mono, samples in [-1, 1]. */
export interface MonoAudio {
  sampleRate: number
  samples: Float32Array
}

export class WavFormatError extends Error {}

/** True when `bytes` start like a RIFF/WAVE file. */
export function isWav(bytes: Uint8Array): boolean {
  const text = (o: number): string => String.fromCharCode(...bytes.subarray(o, o + 4))
  return bytes.byteLength >= 12 && text(0) === 'RIFF' && text(8) === 'WAVE'
}

interface WavFmt {
  format: number
  channels: number
  rate: number
  bits: number
}

/** Parses a WAV file; throws WavFormatError naming what is wrong. */
export function decodeWav(bytes: Uint8Array): MonoAudio {
  const { view, fmt, start, end } = wavData(bytes)
  return { sampleRate: fmt.rate, samples: readSamples(view, start, end, fmt) }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * whisper.cpp's input (16 kHz mono signed 16-bit little-endian) from a WAV file, as bytes. A file
 * already in that form — what recorders and most clients send for speech — gives a view of its own
 * data chunk: no copy, no float pass (a 30 s clip took 5–50 ms through floats, ~3 ms for a copy into
 * fresh memory here); any other is mixed down and resampled.
 */
export function wavToWhisperPcmBytes(bytes: Uint8Array): Uint8Array {
  const { view, fmt, start, end } = wavData(bytes)
  if (isWhisperForm(fmt)) return bytes.subarray(start, start + Math.floor((end - start) / 2) * 2)
  const pcm = toWhisperPcm({ sampleRate: fmt.rate, samples: readSamples(view, start, end, fmt) })
  return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength)
}

/** `wavToWhisperPcmBytes` as samples (a copy: the data chunk may start at an odd offset, where no Int16Array view can). */
export function wavToWhisperPcm(bytes: Uint8Array): Int16Array {
  const b = wavToWhisperPcmBytes(bytes)
  const out = new Int16Array(b.byteLength / 2)
  new Uint8Array(out.buffer).set(b)
  return out
}

function isWhisperForm(fmt: WavFmt): boolean {
  return fmt.format === 1 && fmt.bits === 16 && fmt.channels === 1 && fmt.rate === 16_000 && LITTLE_ENDIAN
}

/** The format and the sample bytes `[start, end)` of a WAV file. */
function wavData(bytes: Uint8Array): { view: DataView; fmt: WavFmt; start: number; end: number } {
  if (!isWav(bytes)) throw new WavFormatError('not a RIFF/WAVE file')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let fmt: WavFmt | undefined
  for (let o = 12; o + 8 <= bytes.byteLength; ) {
    const id = String.fromCharCode(...bytes.subarray(o, o + 4))
    const size = view.getUint32(o + 4, true)
    const body = o + 8
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.byteLength) throw new WavFormatError('truncated fmt chunk')
      let format = view.getUint16(body, true)
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID
      if (format === 0xfffe && size >= 26) format = view.getUint16(body + 24, true)
      fmt = { format, channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) }
    } else if (id === 'data') {
      if (!fmt) throw new WavFormatError('data chunk before fmt chunk')
      // a streamed WAV may say 0 or 0xffffffff: take what is there
      const end = Math.min(bytes.byteLength, size === 0 || size === 0xffffffff ? bytes.byteLength : body + size)
      return { view, fmt, start: body, end }
    }
    o = body + size + (size & 1)
  }
  throw new WavFormatError(fmt ? 'no data chunk' : 'no fmt chunk')
}

function readSamples(view: DataView, start: number, end: number, f: WavFmt): Float32Array {
  const { format, channels, bits } = f
  if (channels < 1 || channels > 32) throw new WavFormatError(`unsupported channel count ${channels}`)
  if (f.rate < 1000 || f.rate > 384_000) throw new WavFormatError(`unsupported sample rate ${f.rate}`)
  const width = bits / 8
  const read = sampleReader(view, format, bits)
  const frames = Math.floor((end - start) / (width * channels))
  const out = new Float32Array(frames)
  for (let i = 0, o = start; i < frames; i++) {
    let sum = 0
    for (let c = 0; c < channels; c++, o += width) sum += read(o)
    out[i] = sum / channels
  }
  return out
}

function sampleReader(view: DataView, format: number, bits: number): (o: number) => number {
  if (format === 1) {
    if (bits === 8) return (o) => (view.getUint8(o) - 128) / 128
    if (bits === 16) return (o) => view.getInt16(o, true) / 32768
    if (bits === 24) return (o) => ((view.getUint8(o) | (view.getUint8(o + 1) << 8) | (view.getInt8(o + 2) << 16)) / 8388608)
    if (bits === 32) return (o) => view.getInt32(o, true) / 2147483648
  }
  if (format === 3 && bits === 32) return (o) => view.getFloat32(o, true)
  if (format === 3 && bits === 64) return (o) => view.getFloat64(o, true)
  throw new WavFormatError(`unsupported WAV encoding (format ${format}, ${bits} bits)`)
}

/** whisper.cpp's input: 16 kHz mono signed 16-bit, resampled linearly. */
export function toWhisperPcm(audio: MonoAudio): Int16Array {
  const ratio = audio.sampleRate / 16_000
  const n = Math.floor(audio.samples.length / ratio)
  const out = new Int16Array(n)
  const s = audio.samples
  for (let i = 0; i < n; i++) {
    const x = i * ratio
    const j = Math.floor(x)
    const a = s[j] ?? 0
    const b = s[j + 1] ?? a
    const v = a + (b - a) * (x - j)
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v * 32767)))
  }
  return out
}

/** The header writer is the audio runtime's (it hands PCM to its child as WAV files). */
export { wavHeader }

/** 16-bit little-endian samples of `samples` (in [-1, 1]). */
export function int16le(samples: Float32Array): Buffer {
  const b = Buffer.alloc(samples.length * 2)
  for (let i = 0; i < samples.length; i++) b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round((samples[i] ?? 0) * 32767))), 2 * i)
  return b
}

/** A 16-bit PCM mono WAV file of `samples` (in [-1, 1]). */
export function encodeWav(samples: Float32Array, sampleRate: number): Buffer {
  return Buffer.concat([wavHeader(sampleRate, samples.length * 2), int16le(samples)])
}
