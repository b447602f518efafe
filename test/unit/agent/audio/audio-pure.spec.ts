/**
 * The pure parts of the audio APIs: WAV reading (every PCM encoding, channels mixed down, resampled to
 * whisper's 16 kHz), format sniffing, the transcription formats, and voice names.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeWav, encodeWav, sniffFormat, toWhisperPcm, wavToWhisperPcm, wavToWhisperPcmBytes } from '../../../../agent/src/audio/index.js'
import { formatTranscript, timestamp } from '../../../../agent/src/audio/transcription-format.js'
import { speakerOf, voicesOf } from '../../../../native-runtime/src/index.js'

/** A WAV of `frames` frames of `channels` channels in the given encoding, every sample `value`. */
function wav(format: 1 | 3, bits: number, channels: number, rate: number, frames: number, value: number): Buffer {
  const width = bits / 8
  const data = Buffer.alloc(frames * channels * width)
  for (let i = 0; i < frames * channels; i++) {
    const o = i * width
    if (format === 3 && bits === 32) data.writeFloatLE(value, o)
    else if (format === 3) data.writeDoubleLE(value, o)
    else if (bits === 8) data.writeUInt8(Math.round(value * 127 + 128), o)
    else if (bits === 16) data.writeInt16LE(Math.round(value * 32767), o)
    else if (bits === 24) data.writeIntLE(Math.round(value * 8388607), o, 3)
    else data.writeInt32LE(Math.round(value * 2147483647), o)
  }
  const h = Buffer.alloc(44)
  h.write('RIFF', 0, 'ascii')
  h.writeUInt32LE(36 + data.length, 4)
  h.write('WAVEfmt ', 8, 'ascii')
  h.writeUInt32LE(16, 16)
  h.writeUInt16LE(format, 20)
  h.writeUInt16LE(channels, 22)
  h.writeUInt32LE(rate, 24)
  h.writeUInt32LE(rate * channels * width, 28)
  h.writeUInt16LE(channels * width, 32)
  h.writeUInt16LE(bits, 34)
  h.write('data', 36, 'ascii')
  h.writeUInt32LE(data.length, 40)
  return Buffer.concat([h, data])
}

describe('WAV', () => {
  it.each([
    [1, 8],
    [1, 16],
    [1, 24],
    [1, 32],
    [3, 32],
    [3, 64]
  ] as const)('reads format %i at %i bits, mixing channels to mono', (format, bits) => {
    const a = decodeWav(wav(format, bits, 2, 8000, 100, 0.5))
    expect(a.sampleRate).toBe(8000)
    expect(a.samples.length).toBe(100)
    expect(a.samples[50]).toBeCloseTo(0.5, 1)
  })

  it('round-trips what it writes and resamples to 16 kHz', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8000, max: 48000 }), fc.integer({ min: 1, max: 2000 }), (rate, n) => {
        const s = Float32Array.from({ length: n }, (_, i) => Math.sin(i / 10) * 0.5)
        const back = decodeWav(encodeWav(s, rate))
        expect(back.samples.length).toBe(n)
        expect(toWhisperPcm(back).length).toBe(Math.floor(n / (rate / 16000)))
      })
    )
  })

  it("takes a file already in whisper's form (16 kHz mono 16-bit) sample for sample, wherever its data chunk starts; others through the mix-down", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 1, maxLength: 500 }), fc.boolean(), (samples, oddChunk) => {
        const data = Buffer.alloc(samples.length * 2)
        samples.forEach((v, i) => data.writeInt16LE(v, i * 2))
        const file = wav(1, 16, 1, 16_000, samples.length, 0)
        data.copy(file, 44)
        // an odd-sized chunk before the data moves it to an odd offset (the chunk is padded to even: put it in a copy that starts at 1)
        const bytes = oddChunk ? new Uint8Array(Buffer.concat([Buffer.alloc(1), file])).subarray(1) : new Uint8Array(file)
        expect(Array.from(wavToWhisperPcm(bytes))).toEqual(samples)
        // the bytes form is a view of the upload's data chunk, not a copy
        const view = wavToWhisperPcmBytes(bytes)
        expect(view.buffer).toBe(bytes.buffer)
        expect(view.byteOffset).toBe(bytes.byteOffset + 44)
      })
    )
    const stereo = wav(1, 16, 2, 32_000, 200, 0.5)
    expect(Array.from(wavToWhisperPcm(stereo))).toEqual(Array.from(toWhisperPcm(decodeWav(stereo))))
  })

  it('names what is wrong with a broken file', () => {
    expect(() => decodeWav(Buffer.from('RIFF\0\0\0\0WAVEdata'))).toThrow(/no fmt chunk|data chunk before fmt/)
    const twelveBits = wav(1, 16, 1, 8000, 4, 0)
    twelveBits.writeUInt16LE(12, 34)
    expect(() => decodeWav(twelveBits)).toThrow(/unsupported WAV encoding/)
    expect(() => decodeWav(Buffer.from('not a wav file'))).toThrow(/not a RIFF/)
  })

  it('sniffs containers by their first bytes', () => {
    expect(sniffFormat(wav(1, 16, 1, 8000, 1, 0))).toBe('wav')
    expect(sniffFormat(Buffer.from('fLaC....'))).toBe('flac')
    expect(sniffFormat(Buffer.from('OggS....'))).toBe('ogg')
    expect(sniffFormat(Buffer.from('ID3\x04....'))).toBe('mp3')
    expect(sniffFormat(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0]))).toBe('webm')
    expect(sniffFormat(Buffer.from('\0\0\0\x20ftypM4A '))).toBe('mp4')
    expect(sniffFormat(Buffer.from('hello world'))).toBeUndefined()
  })
})

describe('transcription formats', () => {
  const transcript = { text: 'one two three', language: 'en', durationMs: 5, segments: [{ text: ' one two', startMs: 0, endMs: 1500 }, { text: ' three', startMs: 1500, endMs: 3_723_004 }] }
  const body = async (format: 'json' | 'text' | 'srt' | 'vtt' | 'verbose_json', words = false): Promise<string> => {
    let out = ''
    for await (const c of formatTranscript({ transcript, format, task: 'transcribe', seconds: 3.2, words }).body) out += String(c)
    return out
  }

  it('writes timestamps as srt and vtt expect them', () => {
    expect(timestamp(3_723_004, ',')).toBe('01:02:03,004')
    expect(timestamp(0, '.')).toBe('00:00:00.000')
  })

  it('answers each response_format', async () => {
    expect(JSON.parse(await body('json'))).toEqual({ text: 'one two three', usage: { type: 'duration', seconds: 4 } })
    expect(await body('text')).toBe('one two three\n')
    expect(await body('srt')).toBe('1\n00:00:00,000 --> 00:00:01,500\none two\n\n2\n00:00:01,500 --> 01:02:03,004\nthree\n')
    expect(await body('vtt')).toBe('WEBVTT\n\n00:00:00.000 --> 00:00:01.500\none two\n\n00:00:01.500 --> 01:02:03.004\nthree\n')
    const verbose = JSON.parse(await body('verbose_json', true))
    expect(verbose).toMatchObject({ task: 'transcribe', language: 'en', duration: 3.2, text: 'one two three' })
    expect(verbose.segments.map((s: { start: number; end: number }) => [s.start, s.end])).toEqual([
      [0, 1.5],
      [1.5, 3723.004]
    ])
    expect(verbose.words.map((w: { word: string }) => w.word)).toEqual(['one', 'two', 'three'])
    expect(JSON.parse(await body('verbose_json')).words).toBeUndefined()
  })
})

describe('voices', () => {
  it("maps OpenAI's names onto a model's speakers and knows its own", () => {
    expect(voicesOf(2)).toEqual(expect.arrayContaining(['alloy', 'verse', 'speaker-0', 'speaker-1']))
    expect(speakerOf('alloy', 1)).toBe(0)
    expect(speakerOf('ash', 2)).toBe(1)
    expect(speakerOf('ballad', 2)).toBe(0)
    expect(speakerOf('speaker-1', 2)).toBe(1)
    expect(speakerOf('speaker-2', 2)).toBeUndefined()
    expect(speakerOf('nobody', 2)).toBeUndefined()
  })
})
