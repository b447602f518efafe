/**
 * POST /v1/images/generations (JSON), /v1/images/edits and /v1/images/variations (multipart, OpenAI's
 * forms), and GET /v1/images/files/:id, the URLs of `response_format: url` answers. The multipart
 * parser lives in this plugin only (every other route reads JSON) with the image upload limit.
 * The file route is public: `<img src>` and OpenAI clients fetch these URLs without a key, and the
 * 192-bit random id is the capability (OpenAI's own URLs are bearer-less signed URLs too).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { callerOf } from '../auth/identity.js'
import { AgentError } from '../errors/errors.js'
import type { Served } from '../inference/inference-service.js'
import { clientGoneSignal } from '../http/request-signal.js'
import { sendServed } from '../http/send-result.js'
import { streamedUploads } from '../uploads/index.js'
import { IMAGE_PATHS, type ImageService } from './image-service.js'
import { acceptImageFile, IMAGE_FORMATS, IMAGE_SIZES, ImageGenerationRequestSchema, parseImageForm, type ImageRequest } from './image-request.js'
import { IMAGE_ID, type ImageStore } from './image-store.js'

/** OpenAPI view of the forms (files are binary). */
const EditFormDoc = z.object({
  image: z.string().describe('The image(s) to edit (binary PNG, JPEG or WebP; `image[]` for several)'),
  mask: z.string().optional().describe('A PNG whose transparent areas mark where to edit (binary)'),
  model: z.string(),
  prompt: z.string(),
  n: z.number().int().min(1).max(10).optional(),
  size: z.enum(IMAGE_SIZES).optional(),
  response_format: z.enum(IMAGE_FORMATS).optional()
})
const VariationFormDoc = EditFormDoc.omit({ mask: true, prompt: true })

export interface ImageRouteDeps {
  images: ImageService
  store: ImageStore
  /** Largest multipart upload (bytes). */
  maxBytes: number
  meter?: (request: FastifyRequest, served: Served) => Served
}

/** The scheme://host the client reached this node by (its Host header), for the URLs it gets back. */
function originOf(request: FastifyRequest): string {
  const host = request.host
  const safe = /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? host : `${request.socket.localAddress}:${request.socket.localPort}`
  return `${request.protocol}://${safe}`
}

class ImageNotFoundError extends AgentError {
  constructor() {
    super('not_found', 'This image does not exist or its URL has expired', { param: 'id' })
  }
}

export async function imageRoutes(app: FastifyInstance, deps: ImageRouteDeps): Promise<void> {
  const uploadOf = streamedUploads<ImageRequest>(app, {
    spool: deps.images.spool,
    maxBytes: deps.maxBytes,
    accept: acceptImageFile,
    before: (request) => {
      const url = request.routeOptions.url
      // generation takes JSON, as OpenAI's does: a form there is refused, not read as a variation
      if (url !== IMAGE_PATHS.edits && url !== IMAGE_PATHS.variations) throw new AgentError('unsupported_media_type', 'Send the request as JSON (application/json)', { param: null })
    },
    parse: async (form, request) => {
      const parsed = await parseImageForm(request.routeOptions.url === IMAGE_PATHS.edits ? 'edits' : 'variations', form)
      // what history sees as the request body: the fields and each file's name and size, never the image
      return { value: parsed, summary: parsed.summary }
    }
  })
  const ctxOf = (request: FastifyRequest, signal: AbortSignal) => ({ requestId: request.id, signal, hops: 0, local: false, caller: callerOf(request.identity), ...(request.rawBody ? { rawBody: request.rawBody } : {}) })
  const send = async (request: FastifyRequest, reply: Parameters<typeof sendServed>[0], served: Served): Promise<void> => sendServed(reply, deps.meter ? deps.meter(request, served) : served, { 'x-request-id': request.id })

  app.post(IMAGE_PATHS.generations, { config: { access: { scope: 'inference' }, historyApi: 'image_generation', openapi: { summary: 'OpenAI image generation (through an engine or cloud provider that serves the model)', body: ImageGenerationRequestSchema } } }, async (request, reply) => {
    const served = await deps.images.generate(request.body, ctxOf(request, clientGoneSignal(reply)), originOf(request))
    await send(request, reply, served)
  })
  const upload = (path: string, historyApi: string, summary: string, body: z.ZodType) =>
    app.post(path, { config: { access: { scope: 'inference' }, historyApi, openapi: { summary, body, bodyType: 'multipart/form-data' } } }, async (request, reply) => {
      const req = uploadOf(request)
      if (!req) throw new AgentError('unsupported_media_type', 'Send the image as multipart/form-data with an image field', { param: 'image' })
      const served = await deps.images.upload(req, { ...ctxOf(request, clientGoneSignal(reply)), rawBody: undefined }, originOf(request))
      await send(request, reply, served)
    })
  upload(IMAGE_PATHS.edits, 'image_edit', 'OpenAI image edit (multipart: image, mask, prompt)', EditFormDoc)
  upload(IMAGE_PATHS.variations, 'image_variation', 'OpenAI image variation (multipart: image)', VariationFormDoc)

  app.get('/v1/images/files/:id', { config: { access: 'public', openapi: { summary: 'An image answered as a URL (response_format url), while it lasts (images.urlTtlMs)' } } }, async (request, reply) => {
    const { id } = request.params as { id: string }
    const img = IMAGE_ID.test(id) ? deps.store.get(id) : undefined
    if (!img) throw new ImageNotFoundError()
    const maxAge = Math.max(0, Math.floor((img.expiresAt - Date.now()) / 1000))
    return reply.header('content-type', img.contentType).header('cache-control', `private, max-age=${maxAge}`).header('x-content-type-options', 'nosniff').send(Buffer.from(img.bytes))
  })
}
