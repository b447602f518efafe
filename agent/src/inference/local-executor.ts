/**
 * Serves a request on this node: admission (a slot of the model), then the runtime, then the OpenAI
 * formatters. Everything that can fail before the first byte (unknown model, context overflow, queue
 * full, runtime down) throws, so it becomes a proper status; later failures end the stream.
 */
import type { GenerationEvent, GenerationTask, InferenceRuntime, ModelStatus } from '../../../native-runtime/src/index.js'
import { CapabilityError, ModelNotFoundError } from '../../../native-runtime/src/index.js'
import type { AdmissionQueue } from '../scheduler/admission-queue.js'
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from '../http/schemas/openai.js'
import { collectGeneration, newResponseId, streamGeneration, type GenerationApi } from '../http/format/generation.js'
import { embeddingsBody } from '../http/format/embeddings.js'
import { jsonResult, SSE_HEADERS, type HttpResult } from './http-result.js'
import type { RequestContext } from './request-context.js'
import { chatNeeds, toRuntimeMessages } from './chat-prompt.js'

export interface LocalExecutorComponents {
  runtime: InferenceRuntime
  admission: AdmissionQueue
}

/** Outcome of local execution plus how long the request queued. */
export interface LocalOutcome {
  result: HttpResult
  queueWaitMs: number
  /** Tokens counted once the response finished (filled in as the body completes). */
  usage: { promptTokens: number; completionTokens: number }
}

const stopList = (s: string | string[] | null | undefined): string[] | undefined => (s == null ? undefined : Array.isArray(s) ? s : [s])

export class LocalExecutor {
  constructor(private readonly c: LocalExecutorComponents) {}

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
    return this.generate('chat', m, body, { model: m.id, prompt: { kind: 'chat', messages: toRuntimeMessages(body) }, params: {} }, body.max_completion_tokens ?? body.max_tokens, ctx)
  }

  async completion(body: CompletionRequest, ctx: RequestContext): Promise<LocalOutcome> {
    const m = this.model(body.model)
    if (!m.capabilities.completion) throw new CapabilityError(m.id, 'text completion')
    const text = Array.isArray(body.prompt) ? (body.prompt[0] ?? '') : body.prompt
    return this.generate('completion', m, body, { model: m.id, prompt: { kind: 'text', text }, params: {} }, body.max_tokens, ctx)
  }

  async embeddings(body: EmbeddingRequest, ctx: RequestContext): Promise<LocalOutcome> {
    const m = this.model(body.model)
    if (!m.capabilities.embeddings) throw new CapabilityError(m.id, 'embeddings')
    const lease = await this.c.admission.acquire(m.id, m.slotsTotal, ctx.signal)
    try {
      const inputs = Array.isArray(body.input) ? body.input : [body.input]
      const r = await this.c.runtime.embed(m.id, inputs, { signal: ctx.signal })
      const value = embeddingsBody(m.id, r.vectors, r.promptTokens, body.encoding_format ?? 'float')
      return { result: jsonResult(200, value), queueWaitMs: lease.waitedMs, usage: { promptTokens: r.promptTokens, completionTokens: 0 } }
    } finally {
      lease.release()
    }
  }

  /** The prompt size of a chat body as this model's template and tokenizer see it: `{ input_tokens }`. No slot needed. */
  async countTokens(body: ChatCompletionRequest, ctx: RequestContext): Promise<LocalOutcome> {
    const m = this.model(body.model)
    const n = await this.c.runtime.countTokens(m.id, { kind: 'chat', messages: toRuntimeMessages(body) }, { signal: ctx.signal })
    return { result: jsonResult(200, { input_tokens: n }), queueWaitMs: 0, usage: { promptTokens: n, completionTokens: 0 } }
  }

  private async generate(
    api: GenerationApi,
    m: ModelStatus,
    body: ChatCompletionRequest | CompletionRequest,
    task: GenerationTask,
    maxTokens: number | null | undefined,
    ctx: RequestContext
  ): Promise<LocalOutcome> {
    task.params = {
      maxTokens: maxTokens ?? undefined,
      temperature: body.temperature ?? undefined,
      topP: body.top_p ?? undefined,
      seed: body.seed ?? undefined,
      stop: stopList(body.stop),
      presencePenalty: body.presence_penalty ?? undefined,
      frequencyPenalty: body.frequency_penalty ?? undefined,
      ignoreEos: body.ignore_eos ?? undefined
    }
    const lease = await this.c.admission.acquire(m.id, m.slotsTotal, ctx.signal)
    const usage = { promptTokens: 0, completionTokens: 0 }
    const gen = new AbortController()
    const onAbort = (): void => gen.abort(ctx.signal.reason)
    ctx.signal.addEventListener('abort', onAbort, { once: true })
    const finish = (): void => {
      ctx.signal.removeEventListener('abort', onAbort)
      gen.abort()
      lease.release()
    }
    let it: AsyncIterator<GenerationEvent>
    let first: IteratorResult<GenerationEvent>
    try {
      it = this.c.runtime.generate(task, { signal: gen.signal })[Symbol.asyncIterator]()
      // pull the `start` event so prompt errors (context overflow…) surface before any byte is sent
      first = await it.next()
    } catch (err) {
      finish()
      throw err
    }
    const events = (async function* (): AsyncGenerator<GenerationEvent> {
      try {
        if (!first.done) yield first.value
        for (let r = await it.next(); !r.done; r = await it.next()) {
          if (r.value.type === 'end') {
            usage.promptTokens = r.value.promptTokens
            usage.completionTokens = r.value.completionTokens
          }
          yield r.value
        }
      } finally {
        await it.return?.()
        finish()
      }
    })()
    const meta = { api, id: newResponseId(api, ctx.requestId), model: m.id, created: Math.floor(Date.now() / 1000), includeUsage: body.stream_options?.include_usage === true }
    if (body.stream) {
      return { result: { status: 200, headers: { ...SSE_HEADERS }, body: streamGeneration(meta, events) }, queueWaitMs: lease.waitedMs, usage }
    }
    const value = await collectGeneration(meta, events)
    return { result: jsonResult(200, value), queueWaitMs: lease.waitedMs, usage }
  }
}
