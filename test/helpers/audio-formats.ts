/**
 * Checks that speech bytes are what their format says, by their own framing (no decoder needed):
 * the duration they hold, in seconds, or 0 when nothing decodes. And the tests' input clip.
 */
import { decodeWav, encodeWav } from '../../agent/src/audio/index.js'

/** A WAV of `seconds` of a gliding tone (deterministic), at `rate` Hz. */
export function toneWav(seconds: number, rate = 16_000): Buffer {
  const s = new Float32Array(Math.round(seconds * rate))
  for (let i = 0; i < s.length; i++) s[i] = 0.3 * Math.sin((2 * Math.PI * (220 + (i / s.length) * 440) * i) / rate)
  return encodeWav(s, rate)
}

/** MPEG-1 layer III bitrates (kbit/s) and sample rates, for frame lengths. */
const MP3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
const MP3_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] }
const MPEG2_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]

function mp3Seconds(b: Buffer): number {
  let o = 0
  if (b.toString('latin1', 0, 3) === 'ID3') o = 10 + (((b[6] ?? 0) << 21) | ((b[7] ?? 0) << 14) | ((b[8] ?? 0) << 7) | (b[9] ?? 0))
  let seconds = 0
  while (o + 4 <= b.length && b[o] === 0xff && ((b[o + 1] ?? 0) & 0xe0) === 0xe0) {
    const version = ((b[o + 1] ?? 0) >> 3) & 3
    const kbps = (version === 3 ? MP3_KBPS : MPEG2_KBPS)[((b[o + 2] ?? 0) >> 4) & 15] ?? 0
    const rate = MP3_RATES[version]?.[((b[o + 2] ?? 0) >> 2) & 3] ?? 0
    const pad = ((b[o + 2] ?? 0) >> 1) & 1
    const samples = version === 3 ? 1152 : 576
    if (!kbps || !rate) break
    seconds += samples / rate
    o += Math.floor((samples / 8) * ((kbps * 1000) / rate)) + pad
  }
  return seconds
}

function oggOpusSeconds(b: Buffer): number {
  if (b.toString('latin1', 0, 4) !== 'OggS' || !b.includes('OpusHead')) return 0
  // the granule position of the last page counts 48 kHz samples (pre-skip included)
  const last = b.lastIndexOf('OggS')
  return Number(b.readBigInt64LE(last + 6)) / 48_000
}

function adtsSeconds(b: Buffer): number {
  const rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]
  let o = 0
  let seconds = 0
  while (o + 7 <= b.length && b[o] === 0xff && ((b[o + 1] ?? 0) & 0xf0) === 0xf0) {
    const rate = rates[((b[o + 2] ?? 0) >> 2) & 15] ?? 0
    const len = (((b[o + 3] ?? 0) & 3) << 11) | ((b[o + 4] ?? 0) << 3) | ((b[o + 5] ?? 0) >> 5)
    if (!rate || len < 7) break
    seconds += 1024 / rate
    o += len
  }
  return seconds
}

function flacSeconds(b: Buffer): number {
  if (b.toString('latin1', 0, 4) !== 'fLaC') return 0
  const rate = ((b[18] ?? 0) << 12) | ((b[19] ?? 0) << 4) | ((b[20] ?? 0) >> 4)
  const blockSize = b.readUInt16BE(10) // STREAMINFO's largest block (a piped stream cannot fill in the total)
  let frames = 0
  for (let o = 42; o + 1 < b.length; o++) if (b[o] === 0xff && b[o + 1] === 0xf8) frames++
  return rate > 0 ? ((frames - 1) * blockSize) / rate + 1 / rate : 0
}

/** Seconds of audio in `bytes` of `format`, checked by the format's own headers and frames. */
export function audioSeconds(format: string, bytes: Buffer): number {
  switch (format) {
    case 'wav': {
      const a = decodeWav(bytes)
      return a.samples.length / a.sampleRate
    }
    case 'pcm':
      return bytes.length % 2 === 0 ? bytes.length / 2 / 24_000 : 0
    case 'mp3':
      return mp3Seconds(bytes)
    case 'opus':
      return oggOpusSeconds(bytes)
    case 'aac':
      return adtsSeconds(bytes)
    case 'flac':
      return flacSeconds(bytes)
    default:
      return 0
  }
}
