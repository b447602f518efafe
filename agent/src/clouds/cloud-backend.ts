/**
 * One cloud provider as a backend of this node (the seam's `ModelBackend`): it serves every
 * `<prefix>:<model>` id, advertised by prefix rather than per model. OpenAI and OpenAI-compatible
 * providers get the request as sent (only the model id loses its prefix); Anthropic and Google get it
 * translated, and their streams come back translated chunk by chunk.
 */
import type { ProviderAdvert } from '../../../mesh/src/index.js'
import { encodeImageJob, providerModelCapabilities, type BackendApi, type BackendModel, type BackendOutcome, type ImageJob, type ModelBackend } from '../backends/index.js'
import { InvalidRequestError, UnknownModelError } from '../errors/errors.js'
import type { ChatCompletionRequest } from '../http/schemas/openai.js'
import type { HttpResult } from '../inference/http-result.js'
import type { RequestContext } from '../inference/request-context.js'
import type { ChatChunk } from '../protocols/chat-events.js'
import { anthropicRequestOf } from './anthropic/request.js'
import { anthropicChunks } from './anthropic/stream.js'
import { advertisedIds, type ProviderCatalog } from './catalog.js'
import { chatResult, type ChunkMeta, type CountedUsage } from './chat-output.js'
import { geminiRequestOf } from './google/request.js'
import { geminiChunks } from './google/stream.js'
import { readText, send, type OutboundResponse } from './outbound.js'
import { authHeaders, chatUrl, urlOf } from './provider-api.js'
import { ProviderFailedError, providerErrorResult } from './provider-errors.js'
import { engineOf, splitModel, type ProviderSettings } from './providers.js'
import { sseEvents, type SseEvent } from './sse.js'

/** Largest image answer read from a provider (ten large base64 images fit). */
const MAX_IMAGES_ANSWER_BYTES = 64 * 1024 * 1024

/** Requests this node sends to one provider at once, as routing sees it (providers scale past it). */
export const CLOUD_SLOTS = 64
/** Context length shown for cloud models (the providers' lists do not all say; routing needs a figure). */
export const CLOUD_CONTEXT_LENGTH = 128_000

const PASSTHROUGH_PATHS: Readonly<Record<Exclude<BackendApi, 'count_tokens'>, string>> = { chat: '/chat/completions', completion: '/completions', embeddings: '/embeddings' }

type Translator = (events: AsyncIterable<SseEvent>, meta: ChunkMeta) => AsyncGenerator<ChatChunk>

export class CloudBackend implements ModelBackend {
  readonly name: string
  private inFlight = 0

  constructor(
    readonly settings: ProviderSettings,
    readonly catalog: ProviderCatalog
  ) {
    this.name = `cloud:${settings.prefix}`
  }

  private get passthrough(): boolean {
    return this.settings.kind === 'openai' || this.settings.kind === 'compatible'
  }

  /** The provider's capabilities as advertised by prefix: OpenAI's include its image models. */
  private capabilities(): BackendModel['capabilities'] {
    return { chat: true, completion: this.passthrough, embeddings: this.passthrough, tools: true, vision: true, ...(this.settings.kind === 'openai' ? { imageGeneration: true } : {}) }
  }


  /** Listed by prefix (provider()), not per model: catalogs would overflow the node advert. */
  models(): readonly BackendModel[] {
    return []
  }

  match(model: string): BackendModel | undefined {
    const parts = splitModel(model)
    if (parts?.prefix !== this.settings.prefix) return undefined
    return { id: model, capabilities: providerModelCapabilities(this.capabilities(), parts.id), contextLength: CLOUD_CONTEXT_LENGTH, quantization: 'cloud', sizeBytes: 0, slotsTotal: CLOUD_SLOTS, slotsBusy: this.inFlight, queueDepth: 0, tokensPerSecond: 0, avgServiceMs: 0, engine: engineOf(this.settings.kind) }
  }

  provider(): ProviderAdvert {
    return { prefix: this.settings.prefix, engine: engineOf(this.settings.kind), capabilities: this.capabilities(), contextLength: CLOUD_CONTEXT_LENGTH, slotsTotal: CLOUD_SLOTS, slotsBusy: this.inFlight, models: advertisedIds(this.settings.prefix, this.catalog.current()) }
  }

  async serve(api: BackendApi, body: { model: string } & Record<string, unknown>, ctx: RequestContext): Promise<BackendOutcome> {
    const parts = splitModel(body.model)
    if (parts?.prefix !== this.settings.prefix) throw new UnknownModelError(body.model)
    if (api === 'count_tokens') throw new InvalidRequestError(`Token counting is not available for ${this.settings.prefix} models`, 'model')
    this.inFlight++
    let handed = false
    try {
      const out = this.passthrough ? await this.passThrough(api, parts.id, body, ctx) : await this.translated(api, parts.id, body as unknown as ChatCompletionRequest, ctx)
      out.result = { ...out.result, body: this.release(out.result.body) }
      handed = true
      return out
    } finally {
      if (!handed) this.inFlight--
    }
  }

  /** An image request to the provider's images API (OpenAI and OpenAI-compatible providers). */
  async images(job: ImageJob, model: string, ctx: RequestContext): Promise<BackendOutcome> {
    const parts = splitModel(model)
    if (parts?.prefix !== this.settings.prefix) throw new UnknownModelError(model)
    if (!this.passthrough) throw new InvalidRequestError(`${this.settings.prefix} models do not generate images through this node`, 'model')
    this.inFlight++
    try {
      const s = this.settings
      const payload = await encodeImageJob(job, parts.id)
      const res = await send({ provider: s.prefix, method: 'POST', url: urlOf(s, `/images/${job.op}`), headers: { 'content-type': payload.contentType, accept: 'application/json', ...authHeaders(s.kind, s.apiKey) }, body: payload.body, signal: ctx.signal })
      if (res.status < 200 || res.status > 299) return await this.failure(res)
      const text = await readText(res.body, MAX_IMAGES_ANSWER_BYTES)
      try {
        JSON.parse(text)
      } catch {
        throw new ProviderFailedError(`${s.prefix} answered an image request with a body that is not JSON`)
      }
      return { result: { status: res.status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: (async function* () { yield text })() }, queueWaitMs: 0 }
    } finally {
      this.inFlight--
    }
  }

  /** Frees the slot when the body ends, however it ends. */
  private async *release(body: AsyncIterable<string | Uint8Array>): AsyncGenerator<string | Uint8Array> {
    try {
      yield* body
    } finally {
      this.inFlight--
    }
  }

  private async post(url: string, payload: unknown, ctx: RequestContext, accept: string): Promise<OutboundResponse> {
    const s = this.settings
    return send({ provider: s.prefix, method: 'POST', url, headers: { 'content-type': 'application/json', accept, ...authHeaders(s.kind, s.apiKey) }, body: JSON.stringify(payload), signal: ctx.signal })
  }

  /** A non-2xx answer as the client's error (JSON), or provider_failed when it is not the provider's JSON. */
  private async failure(res: OutboundResponse): Promise<BackendOutcome> {
    return { result: providerErrorResult(this.settings.prefix, this.settings.kind, res.status, res.headers, await readText(res.body)), queueWaitMs: 0 }
  }

  private async passThrough(api: Exclude<BackendApi, 'count_tokens'>, model: string, body: Record<string, unknown>, ctx: RequestContext): Promise<BackendOutcome> {
    const stream = body.stream === true
    const res = await this.post(urlOf(this.settings, PASSTHROUGH_PATHS[api]), { ...body, model }, ctx, stream ? 'text/event-stream' : 'application/json')
    if (res.status < 200 || res.status > 299) return this.failure(res)
    const type = res.headers['content-type'] ?? ''
    if (stream && type.includes('text/event-stream')) return { result: { status: res.status, headers: { 'content-type': type, 'cache-control': 'no-cache' }, body: res.body }, queueWaitMs: 0 }
    // a JSON answer is read whole and checked: a proxy's HTML page is a clear 502, not a garbled answer
    const text = await readText(res.body)
    try {
      JSON.parse(text)
    } catch {
      throw new ProviderFailedError(`${this.settings.prefix} answered with a body that is not JSON (${type || 'no content type'})`)
    }
    return { result: { status: res.status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: (async function* () { yield text })() }, queueWaitMs: 0 }
  }

  private async translated(api: BackendApi, model: string, body: ChatCompletionRequest, ctx: RequestContext): Promise<BackendOutcome> {
    if (api !== 'chat') throw new InvalidRequestError(`${this.settings.prefix} models serve chat completions only`, 'model')
    const s = this.settings
    const payload = s.kind === 'anthropic' ? anthropicRequestOf(body, model) : geminiRequestOf(body)
    const translate: Translator = s.kind === 'anthropic' ? anthropicChunks : geminiChunks
    const res = await this.post(chatUrl(s, model), payload, ctx, 'text/event-stream')
    if (res.status < 200 || res.status > 299) return this.failure(res)
    const type = res.headers['content-type'] ?? ''
    if (!type.includes('text/event-stream')) {
      await readText(res.body).catch(() => '')
      throw new ProviderFailedError(`${s.prefix} answered with ${type || 'no content type'} instead of an event stream`)
    }
    const meta: ChunkMeta = { id: `chatcmpl-${ctx.requestId.replace(/[^A-Za-z0-9]/g, '').slice(0, 32)}`, created: Math.floor(Date.now() / 1000), model: body.model }
    const usage: CountedUsage = { promptTokens: 0, completionTokens: 0 }
    const result: HttpResult = await chatResult(translate(sseEvents(res.body), meta), { stream: body.stream === true, includeUsage: body.stream_options?.include_usage === true, usage })
    return { result, queueWaitMs: 0, usage }
  }
}
