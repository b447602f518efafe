/**
 * The multipart form of `/v1/audio/transcriptions` and `/v1/audio/translations` (OpenAI's fields): the
 * form is parsed as it arrives by `uploads/` (busboy, the file spooled), and validated here by zod.
 */
import { z } from 'zod'
import { InvalidRequestError } from '../errors/errors.js'
import type { SpooledFile, StreamedForm } from '../uploads/index.js'
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

/** A validated upload: its fields, the parsed form (forwarded as it is) and its audio file, spooled. */
export interface TranscriptionUpload {
  fields: TranscriptionFields
  form: StreamedForm
  file: SpooledFile
}

/** The one file part spooled: the first `file` (any other file part is skipped, as OpenAI ignores it). */
export const acceptAudioFile = (field: string, files: readonly SpooledFile[]): boolean => field === 'file' && files.length === 0

/** Validates a parsed form; throws a 400 naming the field at fault. The caller owns (removes) the form's files. */
export function transcriptionUpload(form: StreamedForm): TranscriptionUpload {
  const file = form.files[0]
  if (file === undefined) {
    // a `file` sent as a text field is an error the caller names
    if (form.fields.some(([k]) => k === 'file')) throw new InvalidAudioError("The 'file' field must be a file upload, not text")
    throw new InvalidRequestError("The 'file' field is required", 'file')
  }
  const raw: Record<string, unknown> = { file: { name: file.name || 'audio', bytes: file.bytes } }
  for (const [k, v] of form.fields) {
    if (k === 'file') continue
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
  return { fields: parsed.data, form, file }
}
