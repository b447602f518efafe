/**
 * The images API's requests as OpenAI defines them (platform.openai.com/docs/api-reference/images):
 * generation as JSON, edits and variations as multipart forms (parsed as they arrive by `uploads/`, the
 * files spooled). zod is the one source of the fields; a bad field is a 400 naming it before any
 * routing, and an upload that is not an image (by its magic number) is a 400 `invalid_image`.
 */
import { z } from 'zod'
import { InvalidRequestError } from '../errors/errors.js'
import { InvalidImageInputError, sniffImage } from '../vision/index.js'
import type { ImageFile, ImageJob, ImageOp } from '../backends/index.js'
import { fileBytes, fileHead, type SpooledFile, type StreamedForm } from '../uploads/index.js'

export const IMAGE_SIZES = ['auto', '256x256', '512x512', '1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'] as const
export const IMAGE_FORMATS = ['url', 'b64_json'] as const
export type ImageFormat = (typeof IMAGE_FORMATS)[number]
/** Images one request may ask for (OpenAI's bound). */
export const MAX_IMAGES_PER_REQUEST = 10

const model = z.string().min(1).max(256)
const prompt = z.string().min(1).max(32_000)
const size = z.enum(IMAGE_SIZES)
const format = z.enum(IMAGE_FORMATS)
const user = z.string().max(256)
const background = z.enum(['transparent', 'opaque', 'auto'])
const outputFormat = z.enum(['png', 'jpeg', 'webp'])

/** POST /v1/images/generations. */
export const ImageGenerationRequestSchema = z.object({
  model,
  prompt,
  n: z.number().int().min(1).max(MAX_IMAGES_PER_REQUEST).optional(),
  size: size.optional(),
  response_format: format.optional(),
  quality: z.enum(['standard', 'hd', 'low', 'medium', 'high', 'auto']).optional(),
  style: z.enum(['vivid', 'natural']).optional(),
  background: background.optional(),
  output_format: outputFormat.optional(),
  output_compression: z.number().int().min(0).max(100).optional(),
  moderation: z.enum(['low', 'auto']).optional(),
  user: user.optional(),
  stream: z.literal(false, { error: 'streamed image generation is not supported; leave stream unset' }).optional()
})
export type ImageGenerationRequest = z.infer<typeof ImageGenerationRequestSchema>

/** The text fields of POST /v1/images/edits (the files travel beside them). */
export const ImageEditFieldsSchema = z.object({
  model,
  prompt,
  n: z.coerce.number().int().min(1).max(MAX_IMAGES_PER_REQUEST).optional(),
  size: size.optional(),
  response_format: format.optional(),
  quality: z.enum(['standard', 'low', 'medium', 'high', 'auto']).optional(),
  background: background.optional(),
  output_format: outputFormat.optional(),
  input_fidelity: z.enum(['high', 'low']).optional(),
  user: user.optional()
})

/** The text fields of POST /v1/images/variations. */
export const ImageVariationFieldsSchema = z.object({ model, n: z.coerce.number().int().min(1).max(MAX_IMAGES_PER_REQUEST).optional(), size: size.optional(), response_format: format.optional(), user: user.optional() })

/** Images an edit may carry (GPT image models take several as `image[]`). */
export const MAX_INPUT_IMAGES = 16

/** An uploaded file, spooled: read into the job only when it is served here. */
export type SpooledImage = Omit<ImageFile, 'bytes'> & { file: SpooledFile }

/** A parsed image request: the job for the backend, its model, and what the client asked back. */
export interface ImageRequest {
  model: string
  /** The job without its files' bytes (`jobWithFiles` adds them). */
  job: ImageJob
  responseFormat: ImageFormat
  /** What history records as the request body: the fields and each file's name and size, never the bytes. */
  summary: Record<string, unknown>
  /** The uploads (edits, variations), spooled. */
  uploads: SpooledImage[]
  /** The parsed form the uploads came in (forwarded as it is). */
  form?: StreamedForm
}

/** The job with its files' bytes (from memory or the spool), for the backend. */
export async function jobWithFiles(req: ImageRequest): Promise<ImageJob> {
  if (req.uploads.length === 0) return req.job
  return { ...req.job, files: await Promise.all(req.uploads.map(async ({ file, ...f }) => ({ ...f, bytes: await fileBytes(file) }))) }
}

const IMAGE_FILE_FIELDS = new Set(['image', 'image[]', 'mask'])

/** File parts spooled: the image fields, one more than an edit may carry (so "too many" can be told). */
export const acceptImageFile = (field: string, files: readonly SpooledFile[]): boolean => IMAGE_FILE_FIELDS.has(field) && files.length <= MAX_INPUT_IMAGES + 1

/** GPT image models answer base64 by default; the others (DALL·E, Stable Diffusion engines) a URL, as OpenAI's do. */
const defaultFormat = (modelId: string): ImageFormat => (/gpt-image|chatgpt-image/.test(modelId) ? 'b64_json' : 'url')

function fieldsOf(body: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  for (const [k, v] of Object.entries(body)) if (k !== 'model' && k !== 'stream' && (typeof v === 'string' || typeof v === 'number')) out[k] = v
  return out
}

/** A generation request as a job. */
export function generationRequest(body: ImageGenerationRequest): ImageRequest {
  return { model: body.model, job: { op: 'generations', fields: fieldsOf(body), files: [] }, responseFormat: body.response_format ?? defaultFormat(body.model), summary: { ...body }, uploads: [] }
}

/** Validates an edit's or variation's parsed form; throws a 400 naming the field at fault. The caller owns (removes) the files. */
export async function parseImageForm(op: Exclude<ImageOp, 'generations'>, form: StreamedForm): Promise<ImageRequest> {
  const unknown = form.skipped.find((k) => !IMAGE_FILE_FIELDS.has(k))
  if (unknown !== undefined) throw new InvalidRequestError(`Unknown file field '${unknown}': send the image as 'image' (and an optional 'mask')`, unknown)
  const raw: Record<string, unknown> = Object.fromEntries(form.fields)
  const files: SpooledImage[] = []
  for (const f of form.files) {
    const field = f.field === 'mask' ? 'mask' : op === 'edits' ? (f.field as 'image' | 'image[]') : 'image'
    if (field === 'mask' && op === 'variations') throw new InvalidRequestError("A variation takes no 'mask'", 'mask')
    const type = sniffImage(await fileHead(f, 32))
    if (!type || !['image/png', 'image/jpeg', 'image/webp'].includes(type)) throw new InvalidImageInputError(`'${f.name || f.field}' is not a PNG, JPEG or WebP image`, field === 'mask' ? 'mask' : 'image')
    files.push({ field, name: f.name || `${field.replace('[]', '')}.${type.slice(6)}`, type, file: f })
  }
  const images = files.filter((f) => f.field !== 'mask')
  if (images.length === 0) throw new InvalidRequestError("The 'image' field is required: an image file (PNG, JPEG or WebP)", 'image')
  if (images.length > (op === 'edits' ? MAX_INPUT_IMAGES : 1) || form.skipped.length > 0) throw new InvalidRequestError(`Too many images: at most ${op === 'edits' ? MAX_INPUT_IMAGES : 1}`, 'image')
  const parsed = (op === 'edits' ? ImageEditFieldsSchema : ImageVariationFieldsSchema).safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const param = String(issue?.path[0] ?? '')
    throw new InvalidRequestError(`Invalid '${param}': ${issue?.input === undefined ? 'is required' : (issue?.message ?? 'malformed')}`, param || null)
  }
  const fields = parsed.data
  return {
    model: fields.model,
    job: { op, fields: fieldsOf(fields), files: [] },
    responseFormat: fields.response_format ?? defaultFormat(fields.model),
    summary: { ...fields, files: files.map((f) => ({ field: f.field, name: f.name, bytes: f.file.bytes })) },
    uploads: files,
    form
  }
}
