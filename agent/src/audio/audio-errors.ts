/** Errors of the audio APIs (codes in `errors/error-table.ts` and specs/errors.md). */
import { AgentError } from '../errors/errors.js'

/** The upload is not decodable audio (empty, corrupt, an unknown format). */
export class InvalidAudioError extends AgentError {
  constructor(message: string) {
    super('invalid_audio', message, { param: 'file' })
  }
}

/** The format is known but decoding or encoding it needs a system tool (ffmpeg) this node lacks. */
export class AudioCodecMissingError extends AgentError {
  constructor(format: string, direction: 'decode' | 'encode') {
    const message =
      direction === 'decode'
        ? `Decoding ${format} audio needs ffmpeg, which is not installed on the serving node; install ffmpeg or send WAV`
        : `Encoding speech as ${format} needs ffmpeg, which is not installed on the serving node; install ffmpeg or ask for wav or pcm`
    super('audio_codec_missing', message, { param: direction === 'decode' ? 'file' : 'response_format' })
  }
}
