/**
 * POST /v1/audio/speech (JSON in, audio streamed out), and /v1/audio/transcriptions and
 * /v1/audio/translations: multipart uploads (OpenAI's form). The multipart parser lives in this plugin
 * only (every other route reads JSON whatever the content type): it parses the upload from the socket
 * as it arrives and spools the file (`uploads/`), with the audio limit, not the JSON one.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { callerOf } from '../auth/identity.js'
import { AgentError } from '../errors/errors.js'
import type { Served } from '../inference/inference-service.js'
import { clientGoneSignal } from '../http/request-signal.js'
import { sendServed } from '../http/send-result.js'
import { streamedUploads } from '../uploads/index.js'
import { AUDIO_PATHS, SPEECH_PATH, type AudioService, type AudioTask } from './audio-service.js'
import { SpeechRequestSchema } from './speech.js'
import { acceptAudioFile, TRANSCRIPTION_FORMATS, transcriptionUpload } from './transcription-request.js'

/** OpenAPI view of the form (the file is binary). */
const FormDoc = z.object({
  file: z.string().describe('The audio file (binary): wav natively; mp3, mp4/m4a, ogg/opus, webm, flac with ffmpeg on the serving node'),
  model: z.string(),
  language: z.string().optional(),
  prompt: z.string().optional(),
  temperature: z.number().optional(),
  temperature_inc: z.number().optional().describe("whisper.cpp server's extension: the fallback's temperature step (0 = greedy, no fallback)"),
  response_format: z.enum(TRANSCRIPTION_FORMATS).optional(),
  'timestamp_granularities[]': z.array(z.enum(['word', 'segment'])).optional()
})

export interface AudioRouteDeps {
  audio: AudioService
  /** Largest upload (bytes). */
  maxBytes: number
  meter?: (request: FastifyRequest, served: Served) => Served
}

export async function audioRoutes(app: FastifyInstance, deps: AudioRouteDeps): Promise<void> {
  const uploadOf = streamedUploads(app, {
    spool: deps.audio.spool,
    maxBytes: deps.maxBytes,
    accept: acceptAudioFile,
    parse: (form) => {
      const upload = transcriptionUpload(form)
      // what history sees as the request body: the fields and the file's name and size, never the audio
      return { value: upload, summary: upload.fields }
    }
  })
  const route = (task: AudioTask, summary: string): void => {
    app.post(AUDIO_PATHS[task], { config: { access: { scope: 'inference' }, historyApi: task, openapi: { summary, body: FormDoc, bodyType: 'multipart/form-data' } } }, async (request, reply) => {
      const req = uploadOf(request)
      if (!req) throw new AgentError('unsupported_media_type', 'Send the audio as multipart/form-data with a file field', { param: 'file' })
      const signal = clientGoneSignal(reply)
      const served = await deps.audio.transcribe(task, req, { requestId: request.id, signal, hops: 0, local: false, caller: callerOf(request.identity) })
      await sendServed(reply, deps.meter ? deps.meter(request, served) : served, { 'x-request-id': request.id })
    })
  }
  app.post(SPEECH_PATH, { config: { access: { scope: 'inference' }, historyApi: 'speech', openapi: { summary: 'OpenAI text to speech (streamed audio: mp3, opus, aac, flac with ffmpeg; wav, pcm natively)', body: SpeechRequestSchema } } }, async (request, reply) => {
    const signal = clientGoneSignal(reply)
    const served = await deps.audio.speak(request.body, { requestId: request.id, signal, hops: 0, local: false, caller: callerOf(request.identity), ...(request.rawBody ? { rawBody: request.rawBody } : {}) })
    await sendServed(reply, deps.meter ? deps.meter(request, served) : served, { 'x-request-id': request.id })
  })
  route('transcription', 'OpenAI audio transcription (speech to text, whisper.cpp)')
  route('translation', 'OpenAI audio translation (speech to English text, whisper.cpp)')
}
