/**
 * Speech to text on the one request path: the ingress parses the upload (to know the model and to
 * reject a bad form early), then the inference service's dispatch ranks the nodes that hold the model
 * with the `transcription` capability. Here: decode the spooled file, wait for the model's slot in the
 * admission queue, transcribe in the audio child, format. On a peer: the form (its fields, the file
 * read from the spool) is streamed to the same route, and the peer parses it as it arrives, spools the
 * file and does the same. Usage is in audio seconds (history, token statistics).
 * Text to speech (`speech.ts`) takes the same path with a JSON body.
 */
import { ModelNotFoundError, type AudioRuntime } from '../../../native-runtime/src/index.js'
import type { ForwardedRequest } from '../../../mesh/src/index.js'
import { jsonRemote, USAGE_HEADER, type InferenceService, type Served } from '../inference/inference-service.js'
import type { RequestContext } from '../inference/request-context.js'
import type { AdmissionQueue } from '../scheduler/admission-queue.js'
import { decodeAudio } from './decode.js'
import { formatTranscript } from './transcription-format.js'
import { acceptAudioFile, transcriptionUpload, type TranscriptionUpload } from './transcription-request.js'
import { fileBytes, formBody, withForwardedForm, type UploadSpool } from '../uploads/index.js'
import { serveSpeech, SpeechRequestSchema, type SpeechDeps } from './speech.js'
import { parseBody, parseJsonBytes } from '../http/schemas/parse-body.js'

export type AudioTask = 'transcription' | 'translation'

export const AUDIO_PATHS: Readonly<Record<AudioTask, string>> = {
  transcription: '/v1/audio/transcriptions',
  translation: '/v1/audio/translations'
}

export const SPEECH_PATH = '/v1/audio/speech'

/** Forwarded paths whose body the serving node reads as a stream (uploads, not held whole). */
export const AUDIO_UPLOAD_PATHS: readonly string[] = Object.values(AUDIO_PATHS)

const NEEDS = [{ key: 'transcription' as const, label: 'speech to text (a whisper model)' }]
const SPEECH_NEEDS = [{ key: 'speech' as const, label: 'text to speech (a TTS model)' }]

export interface AudioServiceComponents {
  audio: AudioRuntime
  admission: AdmissionQueue
  service: InferenceService
  nodeName: string
  /** The ffmpeg command that decodes compressed uploads. @default 'ffmpeg' */
  ffmpeg?: string
  /** Where uploads are written as they arrive (this node's, shared with the images API). */
  spool: UploadSpool
}

export class AudioService {
  constructor(private readonly c: AudioServiceComponents) {}

  get spool(): UploadSpool {
    return this.c.spool
  }

  /** Serves a transcription or translation here (from the spooled file) or on the node that holds the model. */
  transcribe(task: AudioTask, upload: TranscriptionUpload, ctx: RequestContext): Promise<Served> {
    const body = formBody(upload.form)
    return this.c.service.dispatch(upload.fields.model, NEEDS, ctx, (reason) => this.serveLocal(task, upload, ctx, reason), { path: AUDIO_PATHS[task], contentType: body.contentType, body })
  }

  /** Speaks `raw` (the JSON body) here or on the node that holds the model. */
  speak(raw: unknown, ctx: RequestContext): Promise<Served> {
    const body = parseBody(SpeechRequestSchema, raw)
    return this.c.service.dispatch(body.model, SPEECH_NEEDS, ctx, (reason) => serveSpeech(this.speechDeps(), body, ctx, reason), jsonRemote(SPEECH_PATH, body, ctx))
  }

  /** Handlers of the forwarded audio routes, by path, for the mesh's forward handler. */
  forwardedApis(): Map<string, (req: ForwardedRequest, ctx: RequestContext) => Promise<Served>> {
    const handler = (task: AudioTask) => async (req: ForwardedRequest, ctx: RequestContext): Promise<Served> => {
      // the upload streams in (AUDIO_UPLOAD_PATHS): parsed as it arrives, the file spooled here
      return withForwardedForm(req, { spool: this.c.spool, accept: acceptAudioFile }, (form) => this.serveLocal(task, transcriptionUpload(form), ctx, 'forwarded-to-me'))
    }
    const speech = async (req: ForwardedRequest, ctx: RequestContext): Promise<Served> => {
      return serveSpeech(this.speechDeps(), parseBody(SpeechRequestSchema, parseJsonBytes(req.body)), ctx, 'forwarded-to-me')
    }
    return new Map([...Object.entries(AUDIO_PATHS).map(([task, path]) => [path, handler(task as AudioTask)] as const), [SPEECH_PATH, speech] as const])
  }

  private speechDeps(): SpeechDeps {
    return { audio: this.c.audio, admission: this.c.admission, nodeName: this.c.nodeName, ffmpeg: this.c.ffmpeg ?? 'ffmpeg' }
  }

  private async serveLocal(task: AudioTask, upload: TranscriptionUpload, ctx: RequestContext, reason: string): Promise<Served> {
    const { fields } = upload
    const model = this.c.audio.models().find((m) => m.id === fields.model)
    if (!model) throw new ModelNotFoundError(fields.model)
    // decoded before taking the slot: a bad file never holds the model
    const pcm = await decodeAudio(await fileBytes(upload.file), fields.file.name, { ffmpeg: this.c.ffmpeg ?? 'ffmpeg', signal: ctx.signal })
    const lease = await this.c.admission.acquire(model.id, model.slotsTotal, ctx.signal, ctx.failedOver === true)
    let transcript
    try {
      transcript = await this.c.audio.transcribe(
        model.id,
        pcm,
        {
          translate: task === 'translation',
          words: fields['timestamp_granularities[]']?.includes('word') === true,
          ...(fields.language ? { language: fields.language.slice(0, 2).toLowerCase() } : {}),
          ...(fields.prompt ? { prompt: fields.prompt } : {}),
          ...(fields.temperature !== undefined ? { temperature: fields.temperature } : {}),
          ...(fields.temperature_inc !== undefined ? { temperatureInc: fields.temperature_inc } : {})
        },
        { signal: ctx.signal }
      )
    } finally {
      lease.release()
    }
    const seconds = pcm.byteLength / 2 / 16_000
    const result = formatTranscript({ transcript, format: fields.response_format, task: task === 'translation' ? 'translate' : 'transcribe', seconds, words: fields['timestamp_granularities[]']?.includes('word') === true })
    const usage = { promptTokens: Math.ceil(seconds), completionTokens: 0 }
    // a forwarded answer tells the ingress its usage (the text formats carry none)
    if (ctx.local) result.headers[USAGE_HEADER] = `${usage.promptTokens},${usage.completionTokens}`
    return {
      result,
      route: { servedBy: this.c.nodeName, route: 'local', reason, hops: ctx.hops, queueWaitMs: lease.waitedMs },
      model: model.id,
      stream: false,
      usage
    }
  }
}
