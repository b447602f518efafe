/**
 * Anthropic's Messages event stream as OpenAI chat chunks, event by event: `message_start` → the role
 * chunk (and prompt tokens), `content_block_start` of a `tool_use` → the call's id and name,
 * `text_delta` / `input_json_delta` / `thinking_delta` → content / arguments / reasoning,
 * `message_delta` → finish reason and output tokens (cumulative), `message_stop` → the final chunk
 * and usage; an `error` event ends the stream with the error.
 */
import type { ChatChunk } from '../../protocols/chat-events.js'
import { chunkOf, endedEarly, eventJson, ProviderStreamError, usageChunkOf, type ChunkMeta, type CountedUsage } from '../chat-output.js'
import { openAiErrorOf } from '../provider-errors.js'
import type { SseEvent } from '../sse.js'

/** OpenAI's finish_reason for Anthropic's stop_reason. */
export function finishReasonOf(stop: string | null | undefined): string {
  switch (stop) {
    case 'max_tokens':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'refusal':
      return 'content_filter'
    default:
      return 'stop'
  }
}

type Json = Record<string, unknown>
const num = (v: unknown): number => (typeof v === 'number' ? v : 0)

export async function* anthropicChunks(events: AsyncIterable<SseEvent>, meta: ChunkMeta): AsyncGenerator<ChatChunk> {
  const usage: CountedUsage = { promptTokens: 0, completionTokens: 0 }
  /** content block index → tool call index */
  const tools = new Map<number, number>()
  let finish = 'stop'
  for await (const ev of events) {
    const e = eventJson('anthropic', ev.data)
    switch (e.type) {
      case 'message_start': {
        const u = ((e.message as Json | undefined)?.usage ?? {}) as Json
        // cached prompt tokens are reported apart by Anthropic; OpenAI's prompt_tokens counts them all
        usage.promptTokens = num(u.input_tokens) + num(u.cache_read_input_tokens) + num(u.cache_creation_input_tokens)
        usage.completionTokens = num(u.output_tokens)
        yield chunkOf(meta, { role: 'assistant', content: '' })
        break
      }
      case 'content_block_start': {
        const b = (e.content_block ?? {}) as Json
        if (b.type === 'tool_use') {
          const index = tools.size
          tools.set(num(e.index), index)
          yield chunkOf(meta, { tool_calls: [{ index, id: String(b.id ?? ''), type: 'function', function: { name: String(b.name ?? ''), arguments: '' } }] })
        } else if (b.type === 'text' && typeof b.text === 'string' && b.text) {
          yield chunkOf(meta, { content: b.text })
        }
        break
      }
      case 'content_block_delta': {
        const d = (e.delta ?? {}) as Json
        if (d.type === 'text_delta') yield chunkOf(meta, { content: String(d.text ?? '') })
        else if (d.type === 'thinking_delta') yield chunkOf(meta, { reasoning_content: String(d.thinking ?? '') })
        else if (d.type === 'input_json_delta') {
          const index = tools.get(num(e.index))
          if (index !== undefined) yield chunkOf(meta, { tool_calls: [{ index, function: { arguments: String(d.partial_json ?? '') } }] })
        }
        break
      }
      case 'message_delta': {
        finish = finishReasonOf((e.delta as Json | undefined)?.stop_reason as string | undefined)
        const u = (e.usage ?? {}) as Json
        if (typeof u.output_tokens === 'number') usage.completionTokens = u.output_tokens
        if (typeof u.input_tokens === 'number') usage.promptTokens = u.input_tokens + num(u.cache_read_input_tokens) + num(u.cache_creation_input_tokens)
        break
      }
      case 'message_stop':
        yield chunkOf(meta, {}, finish)
        yield usageChunkOf(meta, usage)
        return
      case 'error':
        throw new ProviderStreamError(openAiErrorOf('anthropic', 500, e) ?? { message: 'anthropic reported an error', type: 'server_error', param: null, code: 'api_error' })
      default:
        // ping, content_block_stop and event types added later carry nothing to translate
        break
    }
  }
  throw endedEarly('anthropic', 'before message_stop')
}
