/**
 * Formats the chat path's answer as Anthropic Messages: one `message` JSON body, or the SSE event
 * sequence Anthropic clients expect — `message_start`, `ping`, then per content block
 * `content_block_start`, `content_block_delta` (`text_delta` / `input_json_delta`) and
 * `content_block_stop`, then `message_delta` (stop reason, usage) and `message_stop`. An error after
 * the first byte ends the stream with one `error` event.
 */
import type { ChatChunk, CollectedChat } from '../chat-events.js'
import { openAiErrorOf } from '../chat-events.js'
import { countUsage, type TokenCount } from '../translated.js'
import { anthropicErrorOf } from './errors.js'

/** What every body of one answer shares. */
export interface MessageMeta {
  id: string
  model: string
}

/** Anthropic's id of a message (`msg_…`), from the request id. */
export const messageIdOf = (requestId: string): string => `msg_${requestId.replace(/[^A-Za-z0-9]/g, '').slice(0, 32)}`

/** Anthropic's `stop_reason` for a chat `finish_reason`. */
export function stopReasonOf(finish: string | null, hasToolCalls: boolean): string {
  if (hasToolCalls || finish === 'tool_calls') return 'tool_use'
  return finish === 'length' ? 'max_tokens' : 'end_turn'
}

/** A tool call's arguments as the `input` object Anthropic requires (an unparsable one becomes `{}`). */
export function toolInputOf(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args || '{}')
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

const toolUseId = (id: string, meta: MessageMeta, i: number): string => id || `toolu_${meta.id.slice(4)}_${i}`

// prompt tokens served from the KV cache are not reported apart: Anthropic's input_tokens excludes
// cache reads, and a client adding both would count them twice
const usageOf = (u: TokenCount): Record<string, number> => ({ input_tokens: u.promptTokens, output_tokens: u.completionTokens })

/** The `message` body of a whole answer. */
export function messageBody(meta: MessageMeta, c: CollectedChat, usage: TokenCount): Record<string, unknown> {
  countUsage(usage, c.usage)
  const content: Record<string, unknown>[] = []
  if (c.text || c.toolCalls.length === 0) content.push({ type: 'text', text: c.text })
  c.toolCalls.forEach((t, i) => content.push({ type: 'tool_use', id: toolUseId(t.id, meta, i), name: t.name, input: toolInputOf(t.arguments) }))
  return {
    id: meta.id,
    type: 'message',
    role: 'assistant',
    model: meta.model,
    content,
    stop_reason: stopReasonOf(c.finishReason, c.toolCalls.length > 0),
    stop_sequence: null,
    usage: usageOf(usage)
  }
}

const event = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`

/**
 * Streams the chat chunks as Anthropic events; `usage` is filled in when the chat usage arrives. The
 * events one chat chunk produces leave as one piece (one socket write: the first token's
 * `message_start`, `ping`, `content_block_start` and delta arrive together).
 */
export async function* messageEvents(meta: MessageMeta, chunks: AsyncIterable<ChatChunk>, usage: TokenCount): AsyncGenerator<string> {
  let out: string[] = []
  const emit = (type: string, data: Record<string, unknown>): void => void out.push(event(type, data))
  const flush = (): string => {
    const piece = out.join('')
    out = []
    return piece
  }
  // sent with the first chat chunk (the first token), not before: the first body byte is what history
  // and metrics time as the time to first token
  let started = false
  const start = (): void => {
    if (started) return
    started = true
    emit('message_start', { message: { id: meta.id, type: 'message', role: 'assistant', model: meta.model, content: [], stop_reason: null, stop_sequence: null, usage: usageOf(usage) } })
    emit('ping', {})
  }
  // the open content block: text, or the tool call of that chat index
  let open: { index: number; tool?: number } | undefined
  let blocks = 0
  let finish: string | null = null
  let sawTool = false
  const close = (): void => {
    if (open) emit('content_block_stop', { index: open.index })
    open = undefined
  }
  try {
    for await (const c of chunks) {
      start()
      countUsage(usage, c.usage)
      const ch = c.choices.find((x) => x.index === 0)
      if (ch?.delta.content) {
        if (!open || open.tool !== undefined) {
          close()
          open = { index: blocks++ }
          emit('content_block_start', { index: open.index, content_block: { type: 'text', text: '' } })
        }
        emit('content_block_delta', { index: open.index, delta: { type: 'text_delta', text: ch.delta.content } })
      }
      for (const t of ch?.delta.tool_calls ?? []) {
        sawTool = true
        if (open?.tool !== t.index) {
          close()
          open = { index: blocks++, tool: t.index }
          const id = toolUseId(t.id ?? '', meta, t.index)
          emit('content_block_start', { index: open.index, content_block: { type: 'tool_use', id, name: t.function?.name ?? '', input: {} } })
        }
        const args = t.function?.arguments
        if (args) emit('content_block_delta', { index: open.index, delta: { type: 'input_json_delta', partial_json: args } })
      }
      if (ch?.finish_reason) finish = ch.finish_reason
      if (out.length > 0) yield flush()
    }
  } catch (err) {
    start()
    close()
    const e = openAiErrorOf(err)
    emit('error', { error: anthropicErrorOf(e.status, e.body).body.error })
    yield flush()
    return
  }
  start()
  if (blocks === 0) {
    // clients read content[0]; an empty answer is one empty text block, as Anthropic sends it
    emit('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })
    open = { index: 0 }
  }
  close()
  emit('message_delta', { delta: { stop_reason: stopReasonOf(finish, sawTool), stop_sequence: null }, usage: usageOf(usage) })
  emit('message_stop', {})
  yield flush()
}
