/**
 * Text to speech on the one request path (`POST /v1/audio/speech`, OpenAI's JSON body): the nodes that
 * hold the model with the `speech` capability are ranked like any other; here the voice is resolved,
 * the model's slot taken, and the speech streamed as the engine produces it, encoded on the way.
 */
import { z } from 'zod'
import { speakerOf, type AudioRuntime } from '../../../native-runtime/src/index.js'
import { ModelNotFoundError } from '../../../native-runtime/src/index.js'
import { InvalidRequestError } from '../errors/errors.js'
import { USAGE_HEADER, type Served } from '../inference/inference-service.js'
import { SSE_HEADERS } from '../inference/http-result.js'
import type { RequestContext } from '../inference/request-context.js'
import type { AdmissionQueue } from '../scheduler/admission-queue.js'
import { AudioCodecMissingError } from './audio-errors.js'
import { hasFfmpeg } from './decode.js'
import { CONTENT_TYPES, encodeSpeech, needsFfmpeg, SPEECH_FORMATS } from './encode.js'
import { speechEvents } from './speech-sse.js'

export const SpeechRequestSchema = z.object({
  model: z.string().min(1).max(256),
  input: z.string().min(1).max(4_096),
  voice: z.union([z.string().min(1).max(64), z.object({ id: z.string().min(1).max(64) })]),
  /** Accepted for compatibility; VITS models have no instructions. */
  instructions: z.string().max(4_096).optional(),
  response_format: z.enum(SPEECH_FORMATS).default('mp3'),
  speed: z.number().min(0.25).max(4).default(1),
  /** `audio`: the encoded bytes as produced; `sse`: the same bytes in base64 `speech.audio.delta` events, then `speech.audio.done`. */
  stream_format: z.enum(['audio', 'sse']).default('audio')
})
export type SpeechRequest = z.infer<typeof SpeechRequestSchema>

export interface SpeechDeps {
  audio: AudioRuntime
  admission: AdmissionQueue
  nodeName: string
  ffmpeg: string
}

/** Serves a validated speech request on this node. */
export async function serveSpeech(d: SpeechDeps, body: SpeechRequest, ctx: RequestContext, reason: string): Promise<Served> {
  const model = d.audio.models().find((m) => m.id === body.model)
  if (!model) throw new ModelNotFoundError(body.model)
  const voices = model.voices ?? []
  const voice = typeof body.voice === 'string' ? body.voice : body.voice.id
  const speaker = speakerOf(voice, voices.filter((v) => v.startsWith('speaker-')).length)
  if (speaker === undefined) throw new InvalidRequestError(`Unknown voice '${voice}' for model '${model.id}'; its voices are ${voices.join(', ')}`, 'voice')
  const format = body.response_format
  if (needsFfmpeg(format) && !hasFfmpeg(d.ffmpeg)) throw new AudioCodecMissingError(format, 'encode')
  const lease = await d.admission.acquire(model.id, model.slotsTotal, ctx.signal, ctx.failedOver === true)
  const usage = { promptTokens: body.input.length, completionTokens: 0 }
  let first: IteratorResult<Float32Array>
  let it: AsyncIterator<Float32Array>
  let rate: number
  try {
    const speech = d.audio.speak(model.id, body.input, { speaker, speed: body.speed }, { signal: ctx.signal })
    rate = speech.sampleRate
    it = speech.chunks[Symbol.asyncIterator]()
    // the first chunk before the head: an engine failure is still a status, not a broken 200
    first = await it.next()
  } catch (err) {
    lease.release()
    throw err
  }
  async function* chunks(): AsyncGenerator<Float32Array> {
    try {
      for (let r = first; !r.done; r = await it.next()) {
        usage.completionTokens += r.value.length / rate
        yield r.value
      }
    } finally {
      await it.return?.()
      lease.release()
      // history counts input characters in and audio seconds out
      usage.completionTokens = Math.ceil(usage.completionTokens)
    }
  }
  const sse = body.stream_format === 'sse'
  const headers: Record<string, string> = sse ? { ...SSE_HEADERS } : { 'content-type': CONTENT_TYPES[format] }
  // a forwarded answer tells the ingress its input size (the audio seconds are known only at the end)
  if (ctx.local) headers[USAGE_HEADER] = `${usage.promptTokens},0`
  const audio = encodeSpeech(chunks(), rate, format, d.ffmpeg)
  return {
    result: { status: 200, headers, body: sse ? speechEvents(audio, usage) : audio },
    route: { servedBy: d.nodeName, route: 'local', reason, hops: ctx.hops, queueWaitMs: lease.waitedMs },
    model: model.id,
    stream: true,
    usage
  }
}
