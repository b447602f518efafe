/** Errors of the audio APIs (codes in `errors/error-table.ts` and specs/errors.md). */
import { AgentError } from '../errors/errors.js'

/** The upload is not decodable audio (empty, corrupt, an unknown format). */
export class InvalidAudioError extends AgentError {
  constructor(message: string) {
    super('invalid_audio', message, { param: 'file' })
  }
}

/** The format is known but decoding it needs a system tool this node lacks. */
export class AudioDecoderMissingError extends AgentError {
  constructor(format: string) {
    super('audio_decoder_missing', `Decoding ${format} audio needs ffmpeg, which is not installed on the serving node; install ffmpeg or send WAV`, { param: 'file' })
  }
}
