/**
 * Turns a runtime generation (its event stream) into OpenAI chat/completion bodies, JSON or SSE.
 * The only place that knows the OpenAI response shapes of text generation.
 */
import type { FinishReason, GenerationEvent } from '../../../../native-runtime/src/index.js'
import { sseData, SSE_DONE } from '../../inference/http-result.js'
import { renderError } from '../../errors/render.js'

export type GenerationApi = 'chat' | 'completion'

/** Identity of one response, shared by every chunk of a stream. */
export interface GenerationMeta {
  api: GenerationApi
  id: string
  model: string
  created: number
  includeUsage: boolean
}

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  /** OpenAI's shape: prompt tokens served from the KV cache of an earlier request with the same prefix. */
  prompt_tokens_details: { cached_tokens: number }
}

const usageOf = (end: { promptTokens: number; completionTokens: number; cachedTokens?: number }): Usage => ({
  prompt_tokens: end.promptTokens,
  completion_tokens: end.completionTokens,
  total_tokens: end.promptTokens + end.completionTokens,
  prompt_tokens_details: { cached_tokens: end.cachedTokens ?? 0 }
})

/** Creates a response id with the prefix OpenAI uses for this API. */
export const newResponseId = (api: GenerationApi, requestId: string): string => `${api === 'chat' ? 'chatcmpl' : 'cmpl'}-${requestId.replace(/[^A-Za-z0-9]/g, '').slice(0, 32)}`

function choice(meta: GenerationMeta, text: string, finish: FinishReason | null, first: boolean): Record<string, unknown> {
  if (meta.api === 'completion') return { index: 0, text, logprobs: null, finish_reason: finish }
  const delta: Record<string, string> = first ? { role: 'assistant', content: text } : text ? { content: text } : {}
  return { index: 0, delta, logprobs: null, finish_reason: finish }
}

function chunk(meta: GenerationMeta, choices: unknown[], usage?: Usage | null): Record<string, unknown> {
  return {
    id: meta.id,
    object: meta.api === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices,
    ...(usage === undefined ? {} : { usage })
  }
}

/** Collects a whole generation into one OpenAI JSON body. */
export async function collectGeneration(meta: GenerationMeta, events: AsyncIterable<GenerationEvent>): Promise<Record<string, unknown>> {
  let text = ''
  let end: Extract<GenerationEvent, { type: 'end' }> | undefined
  for await (const ev of events) {
    if (ev.type === 'text') text += ev.text
    else if (ev.type === 'end') end = ev
  }
  if (!end) throw new Error('generation ended without an end event')
  const usage = usageOf(end)
  const c =
    meta.api === 'chat'
      ? { index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: end.finishReason }
      : { index: 0, text, logprobs: null, finish_reason: end.finishReason }
  return {
    id: meta.id,
    object: meta.api === 'chat' ? 'chat.completion' : 'text_completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices: [c],
    usage
  }
}

/**
 * Streams a generation as OpenAI SSE. The final chunk carries `finish_reason` and `usage`; with
 * `stream_options.include_usage` a usage-only chunk (empty `choices`) follows, as OpenAI sends it.
 * A failure after the first byte ends the stream with one error event (the status is already sent).
 */
export async function* streamGeneration(meta: GenerationMeta, events: AsyncIterable<GenerationEvent>): AsyncGenerator<string> {
  let first = true
  try {
    for await (const ev of events) {
      if (ev.type === 'text') {
        yield sseData(chunk(meta, [choice(meta, ev.text, null, first)], meta.includeUsage ? null : undefined))
        first = false
      } else if (ev.type === 'end') {
        const usage = usageOf(ev)
        if (first && meta.api === 'chat') yield sseData(chunk(meta, [choice(meta, '', null, true)], meta.includeUsage ? null : undefined))
        yield sseData(chunk(meta, [choice(meta, '', ev.finishReason, false)], meta.includeUsage ? null : usage))
        if (meta.includeUsage) yield sseData(chunk(meta, [], usage))
      }
    }
    yield SSE_DONE
  } catch (err) {
    yield sseData(renderError(err).body)
  }
}
