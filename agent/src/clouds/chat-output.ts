/**
 * The OpenAI side of a translated provider answer. Translators turn the provider's stream into
 * `chat.completion.chunk`s (the last one carries usage and no choices); this writes them as the SSE
 * stream an OpenAI client reads (`stream_options.include_usage` decides whether the usage chunk is
 * sent) or collects them into one `chat.completion` body. The first chunk is awaited before the
 * response head, so anything the provider refuses up front is still an HTTP error, not a broken stream.
 */
import { collectChat, type ChatChunk } from '../protocols/chat-events.js'
import { SSE_DONE, SSE_HEADERS, jsonResult, sseData, type HttpResult } from '../inference/http-result.js'
import { AgentError } from '../errors/errors.js'
import { renderError } from '../errors/render.js'
import type { OpenAiError } from './provider-errors.js'

/** What every chunk of one answer shares. */
export interface ChunkMeta {
  id: string
  created: number
  model: string
}

export interface CountedUsage {
  promptTokens: number
  completionTokens: number
}

type Delta = ChatChunk['choices'][number]['delta']

export const chunkOf = (meta: ChunkMeta, delta: Delta, finish: string | null = null, index = 0): ChatChunk => ({
  id: meta.id,
  created: meta.created,
  model: meta.model,
  choices: [{ index, delta, finish_reason: finish }]
})

export const usageChunkOf = (meta: ChunkMeta, u: CountedUsage): ChatChunk => ({
  id: meta.id,
  created: meta.created,
  model: meta.model,
  choices: [],
  usage: { prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.promptTokens + u.completionTokens }
})

/** The provider reported an error inside its stream (Anthropic's `error` event, Gemini's error object). */
export class ProviderStreamError extends AgentError {
  constructor(readonly error: OpenAiError) {
    super('provider_failed', error.message)
  }
}

/** A provider's stream event as a JSON object; a broken one ends the stream with provider_failed. */
export function eventJson(provider: string, data: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(data)
    if (typeof v === 'object' && v !== null) return v as Record<string, unknown>
  } catch {
    // reported below
  }
  throw new ProviderStreamError({ message: `${provider} sent an event that is not JSON`, type: 'server_error', param: null, code: 'provider_failed' })
}

/** Ends a stream that stopped before the provider's end marker. */
export const endedEarly = (provider: string, what: string): ProviderStreamError => new ProviderStreamError({ message: `${provider} ended the stream ${what}`, type: 'server_error', param: null, code: 'provider_failed' })

const sseChunk = (c: ChatChunk): string => sseData({ object: 'chat.completion.chunk', ...c })

/** Error event ending a stream that already started (what OpenAI-compatible servers send). */
function errorEvent(err: unknown): string {
  if (err instanceof ProviderStreamError) return sseData({ error: err.error })
  return sseData(renderError(err).body)
}

/**
 * Serves translated chunks as an OpenAI answer. `usage` is filled in as the usage chunk passes, for
 * history and token statistics.
 */
export async function chatResult(chunks: AsyncGenerator<ChatChunk>, opts: { stream: boolean; includeUsage: boolean; usage: CountedUsage }): Promise<HttpResult> {
  const note = (c: ChatChunk): void => {
    if (c.usage) {
      opts.usage.promptTokens = c.usage.prompt_tokens
      opts.usage.completionTokens = c.usage.completion_tokens
    }
  }
  if (!opts.stream) {
    const c = await collectChat((async function* () {
      for await (const x of chunks) {
        note(x)
        yield x
      }
    })())
    const message: Record<string, unknown> = { role: 'assistant', content: c.text || (c.toolCalls.length ? null : '') }
    if (c.reasoning) message.reasoning_content = c.reasoning
    if (c.toolCalls.length) message.tool_calls = c.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }))
    return jsonResult(200, {
      id: c.id,
      object: 'chat.completion',
      created: c.created,
      model: c.model,
      choices: [{ index: 0, message, finish_reason: c.finishReason ?? 'stop', logprobs: null }],
      usage: { prompt_tokens: opts.usage.promptTokens, completion_tokens: opts.usage.completionTokens, total_tokens: opts.usage.promptTokens + opts.usage.completionTokens }
    })
  }
  // before the head: a provider that fails at once is still an HTTP error
  const first = await chunks.next()
  const body = async function* (): AsyncGenerator<string> {
    try {
      let next = first
      while (!next.done) {
        const c = next.value
        note(c)
        if (c.choices.length > 0 || opts.includeUsage) yield sseChunk(c)
        next = await chunks.next()
      }
      yield SSE_DONE
    } catch (err) {
      yield errorEvent(err)
    } finally {
      await chunks.return(undefined)
    }
  }
  return { status: 200, headers: { ...SSE_HEADERS }, body: body() }
}
