/**
 * The multipart form of `/v1/audio/transcriptions` and `/v1/audio/translations` (OpenAI's fields), parsed
 * with `@fastify/busboy` and validated by zod. Busboy hands the file over as views of the body: a 30 s
 * clip parses in ~1 ms, where undici's `Request.formData()` took ~15 ms and copied the file twice.
 */
import { Busboy } from '@fastify/busboy'
import { z } from 'zod'
import { InvalidRequestError } from '../errors/errors.js'
import { InvalidAudioError } from './audio-errors.js'

export const TRANSCRIPTION_FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'] as const
export type TranscriptionFormat = (typeof TRANSCRIPTION_FORMATS)[number]

/** The form's fields without the file (what history records as the request body). */
export const TranscriptionFieldsSchema = z.object({
  model: z.string().min(1).max(256),
  language: z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z]+)?$/, 'an ISO-639 language code such as en').optional(),
  prompt: z.string().max(4_096).optional(),
  temperature: z.coerce.number().min(0).max(1).optional(),
  /**
   * whisper.cpp server's extension: how much the temperature rises when a segment's decoding fails
   * its thresholds (default 0.2, as OpenAI does at temperature 0). 0 turns the fallback off: greedy,
   * deterministic decoding, whose work does not vary from one request to the next.
   */
  temperature_inc: z.coerce.number().min(0).max(1).optional(),
  response_format: z.enum(TRANSCRIPTION_FORMATS).default('json'),
  'timestamp_granularities[]': z.array(z.enum(['word', 'segment'])).optional(),
  /** The uploaded file: its name and size (bytes). */
  file: z.object({ name: z.string(), bytes: z.number() })
})
export type TranscriptionFields = z.infer<typeof TranscriptionFieldsSchema>

export interface TranscriptionUpload {
  fields: TranscriptionFields
  audio: Uint8Array
}

/** What a multipart body holds: its text fields (repeated names in order) and its first `file` part. */
interface RawForm {
  fields: [string, string][]
  file?: { name: string; data: Uint8Array } | { text: true }
}

/** Splits a multipart body into its parts; a malformed body or content type throws (a 400). */
function readForm(body: Uint8Array, contentType: string): Promise<RawForm> {
  return new Promise((resolve, reject) => {
    const form: RawForm = { fields: [] }
    // the file part's stream may end after busboy's finish: the form is whole when both happened
    let fileRead: Promise<void> = Promise.resolve()
    const bb = new Busboy({ headers: { 'content-type': contentType } })
    bb.on('file', (name, stream, filename) => {
      if (name !== 'file' || form.file !== undefined) return void stream.resume()
      const chunks: Buffer[] = []
      const entry: { name: string; data: Uint8Array } = { name: filename, data: new Uint8Array(0) }
      form.file = entry
      stream.on('data', (d: Buffer) => chunks.push(d))
      fileRead = new Promise((done) => stream.on('end', () => {
        entry.data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
        done()
      }))
    })
    bb.on('field', (name, value) => {
      // a `file` sent as a text field is an error the caller names
      if (name === 'file') form.file ??= { text: true }
      else form.fields.push([name, value])
    })
    bb.on('finish', () => void fileRead.then(() => resolve(form)))
    bb.on('error', reject)
    bb.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength))
  })
}

/** Parses a multipart body; throws a 400 naming the field at fault. */
export async function parseTranscriptionForm(body: Uint8Array, contentType: string): Promise<TranscriptionUpload> {
  let form: RawForm
  try {
    form = await readForm(body, contentType)
  } catch (err) {
    throw new InvalidRequestError(`The multipart body could not be parsed: ${(err as Error).message}`, null)
  }
  const file = form.file
  if (file === undefined) throw new InvalidRequestError("The 'file' field is required", 'file')
  if ('text' in file) throw new InvalidAudioError("The 'file' field must be a file upload, not text")
  const raw: Record<string, unknown> = { file: { name: file.name || 'audio', bytes: file.data.byteLength } }
  for (const [k, v] of form.fields) {
    // `timestamp_granularities[]` repeats; a client may also send it without the brackets
    if (k.startsWith('timestamp_granularities')) ((raw['timestamp_granularities[]'] ??= []) as string[]).push(v)
    else raw[k] = v
  }
  const parsed = TranscriptionFieldsSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const param = String(issue?.path[0] ?? '')
    throw new InvalidRequestError(`Invalid '${param}': ${issue?.message ?? 'malformed'}`, param || null)
  }
  return { fields: parsed.data, audio: file.data }
}
