/**
 * Formats the chat path's answer as Ollama does: NDJSON lines `{model, created_at, message|response,
 * done: false}` as tokens come, then one final line with `done: true`, `done_reason` and the counts
 * and durations (nanoseconds) Ollama clients show; or that final object alone with the whole answer
 * when `stream: false`. Durations are measured at the node the client called: prompt evaluation is
 * the time to the first token, evaluation the rest. An error after the first line ends the stream
 * with one `{"error": "..."}` line.
 */
import type { ChatChunk, CollectedChat } from '../chat-events.js'
import { openAiErrorOf } from '../chat-events.js'
import { countUsage, type TokenCount } from '../translated.js'

/** Which Ollama answer: `/api/chat` (a `message`) or `/api/generate` (a `response`). */
export type OllamaKind = 'chat' | 'generate'

/** What every line of one answer shares; `now` is a monotonic clock in ns. */
export interface AnswerMeta {
  kind: OllamaKind
  model: string
  /** When the request arrived (ns, `now`'s clock). */
  startNs: bigint
  now: () => bigint
}

type ToolCall = { function: { name: string; arguments: Record<string, unknown> } }

const toolCallsOf = (calls: { name: string; arguments: string }[]): ToolCall[] =>
  calls.map((c) => {
    let args: unknown
    try {
      args = JSON.parse(c.arguments || '{}')
    } catch {
      args = {}
    }
    return { function: { name: c.name, arguments: typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {} } }
  })

/** `created_at` of a line: the current time in ISO form, made once per millisecond (a line per token). */
let isoAt = 0
let iso = ''
function createdAt(): string {
  const ms = Date.now()
  if (ms !== isoAt) {
    isoAt = ms
    iso = new Date(ms).toISOString()
  }
  return iso
}

function line(meta: AnswerMeta, text: string, toolCalls: ToolCall[], done: boolean): Record<string, unknown> {
  if (meta.kind === 'generate') return { model: meta.model, created_at: createdAt(), response: text, done }
  const message = toolCalls.length > 0 ? { role: 'assistant', content: text, tool_calls: toolCalls } : { role: 'assistant', content: text }
  return { model: meta.model, created_at: createdAt(), message, done }
}

/** Ollama's `done_reason` for a chat `finish_reason`. */
export const doneReasonOf = (finish: string | null): string => (finish === 'length' ? 'length' : 'stop')

/** The counts and durations of a finished answer (ns); `firstNs` is when the first token came. */
function stats(meta: AnswerMeta, usage: TokenCount, firstNs: bigint | undefined): Record<string, unknown> {
  const end = meta.now()
  const first = firstNs ?? end
  return {
    total_duration: Number(end - meta.startNs),
    load_duration: 0,
    prompt_eval_count: usage.promptTokens,
    prompt_eval_duration: Number(first - meta.startNs),
    eval_count: usage.completionTokens,
    eval_duration: Number(end - first)
  }
}

/** The one object of a `stream: false` answer; `firstNs`: when its first token came. */
export function finalBody(meta: AnswerMeta, c: CollectedChat, usage: TokenCount, firstNs?: bigint): Record<string, unknown> {
  countUsage(usage, c.usage)
  return { ...line(meta, c.text, toolCallsOf(c.toolCalls), true), done_reason: doneReasonOf(c.finishReason), ...stats(meta, usage, firstNs) }
}

/** Passes chunks through, noting when the first generated token came (`at.ns`). */
export async function* noteFirstToken(chunks: AsyncIterable<ChatChunk>, meta: AnswerMeta, at: { ns?: bigint }): AsyncGenerator<ChatChunk> {
  for await (const c of chunks) {
    if (at.ns === undefined && c.choices.some((ch) => ch.delta.content || ch.delta.tool_calls)) at.ns = meta.now()
    yield c
  }
}

/** The answer to a request with nothing to generate (Ollama clients send one to load a model). */
export function loadBody(meta: AnswerMeta): Record<string, unknown> {
  return { ...line(meta, '', [], true), done_reason: 'load' }
}

const ndjson = (v: unknown): string => `${JSON.stringify(v)}\n`

/** Streams the chat chunks as NDJSON lines; `usage` is filled in when the chat usage arrives. */
export async function* answerLines(meta: AnswerMeta, chunks: AsyncIterable<ChatChunk>, usage: TokenCount): AsyncGenerator<string> {
  let firstNs: bigint | undefined
  let finish: string | null = null
  // tool calls stream as argument fragments; Ollama sends each call whole, so they leave together at the end
  const calls: { name: string; arguments: string }[] = []
  try {
    for await (const c of chunks) {
      countUsage(usage, c.usage)
      const ch = c.choices.find((x) => x.index === 0)
      if (!ch) continue
      if (ch.delta.content) {
        firstNs ??= meta.now()
        yield ndjson(line(meta, ch.delta.content, [], false))
      }
      for (const t of ch.delta.tool_calls ?? []) {
        firstNs ??= meta.now()
        const call = (calls[t.index] ??= { name: '', arguments: '' })
        call.name += t.function?.name ?? ''
        call.arguments += t.function?.arguments ?? ''
      }
      if (ch.finish_reason) finish = ch.finish_reason
    }
  } catch (err) {
    yield ndjson({ error: openAiErrorOf(err).body.error.message })
    return
  }
  const toolCalls = toolCallsOf(calls.filter(Boolean))
  if (toolCalls.length > 0) yield ndjson(line(meta, '', toolCalls, false))
  yield ndjson({ ...line(meta, '', [], true), done_reason: doneReasonOf(finish), ...stats(meta, usage, firstNs) })
}
