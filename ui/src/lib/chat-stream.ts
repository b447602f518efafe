/**
 * Turns the SSE events of an OpenAI chat completion stream into what the playground shows: text
 * deltas, the finish reason, token usage, the end, or an error. The agent ends a stream that fails
 * after its first byte with one `data: {"error":{...}}` event; `event: error` is accepted too.
 */
import type { SseEvent } from './sse.js'

export type ChatStreamEvent =
  | { type: 'delta'; text: string }
  | { type: 'finish'; reason: string }
  | { type: 'usage'; promptTokens: number; completionTokens: number }
  | { type: 'error'; message: string; code?: string }
  | { type: 'done' }

interface ChunkShape {
  choices?: { delta?: { content?: unknown; reasoning_content?: unknown }; finish_reason?: unknown }[]
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null
  error?: { message?: unknown; code?: unknown } | string
}

/** The events one SSE event carries (a chunk can hold a delta, a finish reason and usage at once). */
export function interpretChatEvent(ev: SseEvent): ChatStreamEvent[] {
  const data = ev.data.trim()
  if (data === '[DONE]') return [{ type: 'done' }]
  let parsed: ChunkShape
  try {
    parsed = JSON.parse(data) as ChunkShape
  } catch {
    if (ev.event === 'error') return [{ type: 'error', message: data || 'The stream failed' }]
    return [{ type: 'error', message: 'The server sent an event that is not JSON' }]
  }
  if (ev.event === 'error' || (parsed !== null && typeof parsed === 'object' && 'error' in parsed && parsed.error)) {
    return [errorOf(parsed)]
  }
  const out: ChatStreamEvent[] = []
  const choice = parsed.choices?.[0]
  const content = choice?.delta?.content
  if (typeof content === 'string' && content !== '') out.push({ type: 'delta', text: content })
  if (typeof choice?.finish_reason === 'string') out.push({ type: 'finish', reason: choice.finish_reason })
  const usage = parsed.usage
  if (usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number') {
    out.push({ type: 'usage', promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens })
  }
  return out
}

function errorOf(parsed: ChunkShape): ChatStreamEvent {
  const e = parsed.error
  if (typeof e === 'string') return { type: 'error', message: e }
  const message = typeof e?.message === 'string' && e.message ? e.message : 'The stream failed'
  return typeof e?.code === 'string' ? { type: 'error', message, code: e.code } : { type: 'error', message }
}

/** The accumulated state of one answer, folded from stream events. */
export interface ChatAnswer {
  text: string
  finishReason: string | null
  promptTokens: number | null
  completionTokens: number | null
  error: string | null
  done: boolean
}

export const EMPTY_ANSWER: ChatAnswer = { text: '', finishReason: null, promptTokens: null, completionTokens: null, error: null, done: false }

/** Applies one stream event to an answer (pure; returns a new object). */
export function foldChatEvent(answer: ChatAnswer, ev: ChatStreamEvent): ChatAnswer {
  switch (ev.type) {
    case 'delta':
      return { ...answer, text: answer.text + ev.text }
    case 'finish':
      return { ...answer, finishReason: ev.reason }
    case 'usage':
      return { ...answer, promptTokens: ev.promptTokens, completionTokens: ev.completionTokens }
    case 'error':
      return { ...answer, error: ev.message, done: true }
    case 'done':
      return { ...answer, done: true }
  }
}
