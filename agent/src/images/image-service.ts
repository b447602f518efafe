/**
 * Image generation, edits and variations on the one request path. The ingress validates the request
 * (a bad field or upload is a 400 before routing), then the inference service's dispatch ranks the
 * nodes holding the model with the `imageGeneration` capability (an engine's or a cloud provider's
 * image model) exactly like audio: here through the backend, on a peer by forwarding the client's own
 * bytes to the same route. The serving node always answers base64 to a peer; the ingress turns the
 * images into its own URLs when the client asked for `url` (the address the client knows is its own).
 * Usage: images counted as output (history, statistics).
 */
import type { ForwardedRequest } from '../../../mesh/src/index.js'
import { BackendUnavailableError, type BackendRegistry } from '../backends/index.js'
import { MissingCapabilityError, UnknownModelError } from '../errors/errors.js'
import { parseBody, parseJsonBytes } from '../http/schemas/parse-body.js'
import { jsonResult } from '../inference/http-result.js'
import { jsonRemote, USAGE_HEADER, type InferenceService, type RemoteBody, type Served } from '../inference/inference-service.js'
import type { RequestContext } from '../inference/request-context.js'
import { parseAnswer, readAnswer, withUrls } from './image-answer.js'
import { acceptImageFile, generationRequest, ImageGenerationRequestSchema, jobWithFiles, parseImageForm, type ImageRequest } from './image-request.js'
import { formBody, withForwardedForm, type UploadSpool } from '../uploads/index.js'
import type { ImageStore } from './image-store.js'
import { once } from '../protocols/translated.js'

export const IMAGE_PATHS = {
  generations: '/v1/images/generations',
  edits: '/v1/images/edits',
  variations: '/v1/images/variations'
} as const

const NEEDS = [{ key: 'imageGeneration' as const, label: 'image generation' }]

/** Forwarded paths whose body the serving node reads as a stream (uploads, not held whole). */
export const IMAGE_UPLOAD_PATHS: readonly string[] = [IMAGE_PATHS.edits, IMAGE_PATHS.variations]

export interface ImageServiceComponents {
  service: InferenceService
  backends: BackendRegistry
  store: ImageStore
  nodeName: string
  /** Where uploads are written as they arrive (this node's, shared with the audio API). */
  spool: UploadSpool
}

export class ImageService {
  constructor(private readonly c: ImageServiceComponents) {}

  get spool(): UploadSpool {
    return this.c.spool
  }

  /** POST /v1/images/generations: `raw` is the JSON body; `origin` the scheme://host the client used. */
  generate(raw: unknown, ctx: RequestContext, origin: string): Promise<Served> {
    const req = generationRequest(parseBody(ImageGenerationRequestSchema, raw))
    return this.run(req, jsonRemote(IMAGE_PATHS.generations, raw, ctx), ctx, origin)
  }

  /** POST /v1/images/edits and /v1/images/variations (already parsed by the route's multipart parser, the files spooled). */
  upload(req: ImageRequest, ctx: RequestContext, origin: string): Promise<Served> {
    const op = req.job.op as 'edits' | 'variations'
    const body = formBody(req.form ?? { fields: [], files: [], skipped: [] })
    return this.run(req, { path: IMAGE_PATHS[op], contentType: body.contentType, body }, ctx, origin)
  }

  /** Handlers of the forwarded image routes, by path, for the mesh's forward handler. */
  forwardedApis(): Map<string, (req: ForwardedRequest, ctx: RequestContext) => Promise<Served>> {
    const generation = (req: ForwardedRequest, ctx: RequestContext): Promise<Served> => this.serveHere(generationRequest(parseBody(ImageGenerationRequestSchema, parseJsonBytes(req.body))), ctx, 'forwarded-to-me')
    // uploads stream in (IMAGE_UPLOAD_PATHS): parsed as they arrive, the files spooled here, bounded by the mesh's limit
    const form = (op: 'edits' | 'variations') => (req: ForwardedRequest, ctx: RequestContext): Promise<Served> =>
      withForwardedForm(req, { spool: this.c.spool, accept: acceptImageFile }, async (parsed) => this.serveHere(await parseImageForm(op, parsed), ctx, 'forwarded-to-me'))
    return new Map([
      [IMAGE_PATHS.generations, generation],
      [IMAGE_PATHS.edits, form('edits')],
      [IMAGE_PATHS.variations, form('variations')]
    ])
  }

  private async run(req: ImageRequest, remote: RemoteBody, ctx: RequestContext, origin: string): Promise<Served> {
    const served = await this.c.service.dispatch(req.model, NEEDS, ctx, (reason) => this.serveHere(req, ctx, reason), remote)
    if (req.responseFormat !== 'url' || served.result.status !== 200) return served
    // the images become URLs of this node, the one the client reached
    const answer = parseAnswer(await readAnswer(served.result.body), served.route.servedBy)
    return { ...served, result: { ...served.result, headers: { 'content-type': 'application/json; charset=utf-8' }, body: jsonResult(200, withUrls(answer, this.c.store, origin)).body } }
  }

  /** Serves through this node's backend for the model; the answer is read whole to count its images. */
  private async serveHere(req: ImageRequest, ctx: RequestContext, reason: string): Promise<Served> {
    const found = this.c.backends.find(req.model)
    if (!found) throw this.c.backends.knows(req.model) ? new BackendUnavailableError(req.model) : new UnknownModelError(req.model)
    if (!found.model.capabilities.imageGeneration || !found.backend.images) throw new MissingCapabilityError(req.model, 'image generation', [])
    const out = await found.backend.images(await jobWithFiles(req), req.model, ctx)
    const text = await readAnswer(out.result.body)
    const route = { servedBy: this.c.nodeName, route: 'local' as const, reason, hops: ctx.hops, queueWaitMs: out.queueWaitMs, engine: found.model.engine }
    if (out.result.status >= 300) return { result: { ...out.result, body: once(text) }, route, model: req.model, stream: false }
    const answer = parseAnswer(text, found.backend.name)
    const usage = { promptTokens: 0, completionTokens: answer.data.length }
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }
    // a forwarded answer tells the ingress its usage: images are not tokens in the body
    if (ctx.local) headers[USAGE_HEADER] = `0,${usage.completionTokens}`
    return { result: { status: out.result.status, headers, body: once(text) }, route, model: req.model, stream: false, usage }
  }
}
