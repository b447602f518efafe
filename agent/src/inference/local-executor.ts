/**
 * Serves a request on this node: admission (a slot of the model), then the runtime, then the OpenAI
 * formatters. Everything that can fail before the first byte (unknown model, context overflow, queue
 * full, runtime down) throws, so it becomes a proper status; later failures end the stream.
 */
import type { GenerateParams, GenerationEvent, GenerationTask, InferenceRuntime, ModelStatus } from '../../../native-runtime/src/index.js'
import { CapabilityError, ModelNotFoundError } from '../../../native-runtime/src/index.js'
import type { AdmissionQueue } from '../scheduler/admission-queue.js'
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from '../http/schemas/openai.js'
import { chunkObjects, collectGeneration, newResponseId, streamGeneration, type ChoiceEvent, type GenerationApi } from '../http/format/generation.js'
import { chatOptions } from '../structured/chat-options.js'
import { shorten } from './embedding-dimensions.js'
import { embeddingsBody } from '../http/format/embeddings.js'
import { jsonResult, SSE_HEADERS, type HttpResult } from './http-result.js'
import type { RequestContext } from './request-context.js'
import { chatNeeds, imageRefsOf, toRuntimeMessages } from './chat-prompt.js'
import { GuardedFetcher, withImages, type ImageInputDeps } from '../vision/index.js'

export interface LocalExecutorComponents {
  runtime: InferenceRuntime
  admission: AdmissionQueue
  /** How image URLs are loaded. @default built-in limits (20 MiB, 10 s), no internal hosts */
  images?: ImageInputDeps
}

/** Outcome of local execution plus how long the request queued. */
export interface LocalOutcome {
  result: HttpResult
  queueWaitMs: number
  /** Tokens counted once the response finished (filled in as the body completes). */
  usage: { promptTokens: number; completionTokens: number }
}

const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024
const DEFAULT_IMAGE_FETCH_MS = 10_000

const stopList = (s: string | string[] | null | undefined): string[] | undefined => (s == null ? undefined : Array.isArray(s) ? s : [s])

export class LocalExecutor {
  private images: ImageInputDeps | undefined

  constructor(private readonly c: LocalExecutorComponents) {
    this.images = c.images
  }

  /** The loaded model `id`, or ModelNotFoundError. */
  model(id: string): ModelStatus {
    const m = this.c.runtime.models().find((x) => x.id === id && x.state === 'loaded')
    if (!m) throw new ModelNotFoundError(id)
    return m
  }

  async chat(body: ChatCompletionRequest, ctx: RequestContext): Promise<LocalOutcome> {
    const m = this.model(body.model)
    const needs = chatNeeds(body)
    if (needs.vision && !m.capabilities.vision) throw new CapabilityError(m.id, 'image inputs (vision)')
    if (needs.audio) throw new CapabilityError(m.id, 'audio inputs')
    if (needs.tools && !m.capabilities.tools) throw new CapabilityError(m.id, 'tools')
    const o = chatOptions(body)
    // images are loaded (data URLs decoded, URLs fetched) before a slot is taken
    const messages = needs.vision ? await withImages(toRuntimeMessages(body), imageRefsOf(body), this.imageDeps(), ctx.signal) : toRuntimeMessages(body)
    const prompt = { kind: 'chat' as const, messages, ...(o.tools ? { tools: o.tools } : {}) }
    const extra: GenerateParams = {
      ...(o.toolUse ? { tools: o.toolUse } : {}),
      ...(o.jsonSchema ? { jsonSchema: o.jsonSchema } : {}),
      ...(o.logprobs === undefined ? {} : { logprobs: o.logprobs })
    }
    return this.generate('chat', m, body, { model: m.id, prompt, params: {} }, body.max_completion_tokens ?? body.max_tokens, ctx, extra)
  }

  async completion(body: CompletionRequest, ctx: RequestContext): Promise<LocalOutcome> {
    const m = this.model(body.model)
    if (!m.capabilities.completion) throw new CapabilityError(m.id, 'text completion')
    const text = Array.isArray(body.prompt) ? (body.prompt[0] ?? '') : body.prompt
    const extra: GenerateParams = body.logprobs == null ? {} : { logprobs: body.logprobs }
    return this.generate('completion', m, body, { model: m.id, prompt: { kind: 'text', text }, params: {} }, body.max_tokens, ctx, extra)
  }

  async embeddings(body: EmbeddingRequest, ctx: RequestContext): Promise<LocalOutcome> {
    const m = this.model(body.model)
    if (!m.capabilities.embeddings) throw new CapabilityError(m.id, 'embeddings')
    const lease = await this.c.admission.acquire(m.id, m.slotsTotal, ctx.signal, ctx.failedOver === true)
    try {
      const inputs = Array.isArray(body.input) ? body.input : [body.input]
      const r = await this.c.runtime.embed(m.id, inputs, { signal: ctx.signal })
      const vectors = body.dimensions == null ? r.vectors : shorten(r.vectors, body.dimensions, m)
      const value = embeddingsBody(m.id, vectors, r.promptTokens, body.encoding_format ?? 'float')
      return { result: jsonResult(200, value), queueWaitMs: lease.waitedMs, usage: { promptTokens: r.promptTokens, completionTokens: 0 } }
    } finally {
      lease.release()
    }
  }

  /** The prompt size of a chat body as this model's template and tokenizer see it: `{ input_tokens }`. No slot needed. */
  async countTokens(body: ChatCompletionRequest, ctx: RequestContext): Promise<LocalOutcome> {
    const m = this.model(body.model)
    // the tools are part of the prompt the template renders
    const tools = chatOptions(body).tools
    const vision = chatNeeds(body).vision
    if (vision && !m.capabilities.vision) throw new CapabilityError(m.id, 'image inputs (vision)')
    const messages = vision ? await withImages(toRuntimeMessages(body), imageRefsOf(body), this.imageDeps(), ctx.signal) : toRuntimeMessages(body)
    const n = await this.c.runtime.countTokens(m.id, { kind: 'chat', messages, ...(tools ? { tools } : {}) }, { signal: ctx.signal })
    return { result: jsonResult(200, { input_tokens: n }), queueWaitMs: 0, usage: { promptTokens: n, completionTokens: 0 } }
  }

  private imageDeps(): ImageInputDeps {
    this.images ??= { fetcher: new GuardedFetcher({ maxBytes: DEFAULT_MAX_IMAGE_BYTES, timeoutMs: DEFAULT_IMAGE_FETCH_MS, allow: [] }), maxBytes: DEFAULT_MAX_IMAGE_BYTES }
    return this.images
  }

  private async generate(
    api: GenerationApi,
    m: ModelStatus,
    body: ChatCompletionRequest | CompletionRequest,
    task: GenerationTask,
    maxTokens: number | null | undefined,
    ctx: RequestContext,
    extra: GenerateParams = {}
  ): Promise<LocalOutcome> {
    task.params = {
      maxTokens: maxTokens ?? undefined,
      temperature: body.temperature ?? undefined,
      topP: body.top_p ?? undefined,
      seed: body.seed ?? undefined,
      stop: stopList(body.stop),
      presencePenalty: body.presence_penalty ?? undefined,
      frequencyPenalty: body.frequency_penalty ?? undefined,
      ignoreEos: body.ignore_eos ?? undefined,
      ...extra
    }
    const n = body.n ?? 1
    const usage = { promptTokens: 0, completionTokens: 0 }
    // choice 0 starts first so prompt errors (context overflow…) surface before any byte is sent; the
    // others start alongside it, each on its own slot, and fail the stream if they fail
    const first = await this.startChoice(m, task, ctx)
    // with a seed every choice would be the same answer: choice i samples with seed + i
    const seeded = (i: number): GenerationTask => (task.params.seed === undefined ? task : { ...task, params: { ...task.params, seed: task.params.seed + i } })
    const rest = Array.from({ length: n - 1 }, (_, i) => this.startChoice(m, seeded(i + 1), ctx))
    for (const r of rest) r.catch(() => undefined) // reported through the stream that awaits it
    const streams = [Promise.resolve(first), ...rest].map((p, index) => choiceEvents(index, p, usage, index === 0))
    const events = n === 1 ? (streams[0] as AsyncGenerator<ChoiceEvent>) : mergeStreams(streams)
    const meta = {
      api,
      id: newResponseId(api, ctx.requestId),
      model: m.id,
      created: Math.floor(Date.now() / 1000),
      includeUsage: body.stream_options?.include_usage === true,
      logprobs: task.params.logprobs !== undefined
    }
    if (body.stream) {
      // both views are lazy and share `events`: whoever reads the answer picks one
      const result = { status: 200, headers: { ...SSE_HEADERS }, body: streamGeneration(meta, events, n), chunks: chunkObjects(meta, events, n) }
      return { result, queueWaitMs: first.waitedMs, usage }
    }
    const value = await collectGeneration(meta, events)
    return { result: jsonResult(200, value), queueWaitMs: first.waitedMs, usage }
  }

  /** Takes a slot and starts one generation; resolves once its `start` event (or its failure) is in. */
  private async startChoice(m: ModelStatus, task: GenerationTask, ctx: RequestContext): Promise<StartedChoice> {
    const lease = await this.c.admission.acquire(m.id, m.slotsTotal, ctx.signal, ctx.failedOver === true)
    const gen = new AbortController()
    const onAbort = (): void => gen.abort(ctx.signal.reason)
    ctx.signal.addEventListener('abort', onAbort, { once: true })
    const finish = (): void => {
      ctx.signal.removeEventListener('abort', onAbort)
      gen.abort()
      lease.release()
    }
    try {
      const it = this.c.runtime.generate(task, { signal: gen.signal })[Symbol.asyncIterator]()
      return { it, first: await it.next(), finish, waitedMs: lease.waitedMs }
    } catch (err) {
      finish()
      throw err
    }
  }
}

interface StartedChoice {
  it: AsyncIterator<GenerationEvent>
  first: IteratorResult<GenerationEvent>
  /** Releases the slot and stops the generation (idempotent). */
  finish: () => void
  waitedMs: number
}

/** One choice's events, tagged with its index; adds its tokens to `usage` (the prompt counted once). */
async function* choiceEvents(index: number, started: Promise<StartedChoice>, usage: LocalOutcome['usage'], countPrompt: boolean): AsyncGenerator<ChoiceEvent> {
  const s = await started
  try {
    if (!s.first.done) yield { index, event: s.first.value }
    for (let r = await s.it.next(); !r.done; r = await s.it.next()) {
      if (r.value.type === 'end') {
        if (countPrompt) usage.promptTokens = r.value.promptTokens
        usage.completionTokens += r.value.completionTokens
      }
      yield { index, event: r.value }
    }
  } finally {
    await s.it.return?.()
    s.finish()
  }
}

/** Interleaves several streams as their items arrive; ending early (or a failure) closes all of them. */
async function* mergeStreams<T>(streams: AsyncGenerator<T>[]): AsyncGenerator<T> {
  const next = (i: number): Promise<{ i: number; r: IteratorResult<T> }> => (streams[i] as AsyncGenerator<T>).next().then((r) => ({ i, r }))
  const pending = new Map(streams.map((_, i) => [i, next(i)]))
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values())
      if (r.done) pending.delete(i)
      else {
        pending.set(i, next(i))
        yield r.value
      }
    }
  } finally {
    for (const s of streams) void s.return(undefined).catch(() => undefined)
  }
}
