/**
 * Turns an uploaded audio file into whisper.cpp's PCM. WAV is decoded here; the compressed formats
 * (mp3, m4a/mp4, ogg/opus, webm, flac) go through `ffmpeg` when it is on the PATH. Without it they are
 * a 400 that names the missing tool, never a silent failure.
 */
import { spawn, spawnSync } from 'node:child_process'
import { AudioCodecMissingError, InvalidAudioError } from './audio-errors.js'
import { isWav, wavToWhisperPcmBytes, WavFormatError } from './wav.js'

/** Container formats recognised by their first bytes. */
export type AudioFormat = 'wav' | 'mp3' | 'mp4' | 'ogg' | 'webm' | 'flac'

export function sniffFormat(b: Uint8Array): AudioFormat | undefined {
  const ascii = (o: number, n: number): string => String.fromCharCode(...b.subarray(o, o + n))
  if (isWav(b)) return 'wav'
  if (ascii(0, 4) === 'fLaC') return 'flac'
  if (ascii(0, 4) === 'OggS') return 'ogg'
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'webm'
  if (ascii(4, 4) === 'ftyp') return 'mp4'
  if (ascii(0, 3) === 'ID3' || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0)) return 'mp3'
  return undefined
}

const present = new Map<string, boolean>()
/** Whether the `ffmpeg` command runs here (looked up once per command). */
export function hasFfmpeg(command: string): boolean {
  let ok = present.get(command)
  if (ok === undefined) present.set(command, (ok = spawnSync(command, ['-version'], { stdio: 'ignore' }).status === 0))
  return ok
}

/**
 * 16 kHz mono PCM of an upload, as its 16-bit little-endian bytes (a view of the upload when it is a
 * WAV in that form); throws InvalidAudioError (400) or AudioCodecMissingError (400).
 */
export async function decodeAudio(bytes: Uint8Array, filename: string, opts: { ffmpeg: string; signal?: AbortSignal }): Promise<Uint8Array> {
  if (bytes.byteLength === 0) throw new InvalidAudioError('The audio file is empty')
  const format = sniffFormat(bytes)
  if (format === 'wav') {
    try {
      const pcm = wavToWhisperPcmBytes(bytes)
      if (pcm.byteLength === 0) throw new InvalidAudioError('The audio file has no samples')
      return pcm
    } catch (err) {
      if (err instanceof WavFormatError) throw new InvalidAudioError(`The WAV file could not be decoded: ${err.message}`)
      throw err
    }
  }
  if (format === undefined) throw new InvalidAudioError(`The file '${filename}' is not audio in a supported format (wav, mp3, mp4/m4a, ogg/opus, webm, flac)`)
  if (!hasFfmpeg(opts.ffmpeg)) throw new AudioCodecMissingError(format, 'decode')
  return ffmpegDecode(opts.ffmpeg, bytes, opts.signal)
}

/** Decodes through `ffmpeg` (stdin → 16 kHz mono s16le on stdout). */
function ffmpegDecode(command: string, bytes: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const p = spawn(command, ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', '16000', 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'], ...(signal ? { signal } : {}) })
    const out: Buffer[] = []
    let err = ''
    p.stdout.on('data', (c: Buffer) => out.push(c))
    p.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-500)))
    p.stdin.on('error', () => undefined) // ffmpeg may stop reading a file it rejects
    p.on('error', reject)
    p.on('close', (code) => {
      const all = Buffer.concat(out)
      if (code !== 0 || all.byteLength < 2) return reject(new InvalidAudioError(`The audio file could not be decoded: ${err.trim().split('\n').at(-1) ?? 'ffmpeg failed'}`))
      resolve(all.subarray(0, all.byteLength & ~1))
    })
    p.stdin.end(bytes)
  })
}
