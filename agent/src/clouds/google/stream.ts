/**
 * Gemini's `streamGenerateContent?alt=sse` stream as OpenAI chat chunks: each event is a whole
 * `GenerateContentResponse`; `candidates[0].content.parts` carry text (`thought: true` parts are
 * reasoning) and whole `functionCall`s, `finishReason` ends the choice, `usageMetadata` (the last one
 * counts) gives the tokens. There is no end marker: the stream ending is the end. A response blocked
 * before any candidate (`promptFeedback.blockReason`) finishes with `content_filter`.
 */
import { randomUUID } from 'node:crypto'
import type { ChatChunk } from '../../protocols/chat-events.js'
import { chunkOf, endedEarly, eventJson, ProviderStreamError, usageChunkOf, type ChunkMeta, type CountedUsage } from '../chat-output.js'
import { openAiErrorOf } from '../provider-errors.js'
import type { SseEvent } from '../sse.js'

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY'])

/** OpenAI's finish_reason for Gemini's finishReason. */
export function finishReasonOf(reason: string, sawToolCall: boolean): string {
  if (reason === 'MAX_TOKENS') return 'length'
  if (FILTERED.has(reason)) return 'content_filter'
  return sawToolCall ? 'tool_calls' : 'stop'
}

type Json = Record<string, unknown>
const num = (v: unknown): number => (typeof v === 'number' ? v : 0)

export async function* geminiChunks(events: AsyncIterable<SseEvent>, meta: ChunkMeta): AsyncGenerator<ChatChunk> {
  const usage: CountedUsage = { promptTokens: 0, completionTokens: 0 }
  let started = false
  let calls = 0
  let finish: string | null = null
  for await (const ev of events) {
    const r = eventJson('google', ev.data)
    if (r.error) throw new ProviderStreamError(openAiErrorOf('google', num((r.error as Json).code) || 500, r) ?? { message: 'google reported an error', type: 'server_error', param: null, code: 'internal' })
    if (!started) {
      started = true
      yield chunkOf(meta, { role: 'assistant', content: '' })
    }
    const u = r.usageMetadata as Json | undefined
    if (u) {
      usage.promptTokens = num(u.promptTokenCount)
      usage.completionTokens = num(u.candidatesTokenCount) + num(u.thoughtsTokenCount)
    }
    const cand = (r.candidates as Json[] | undefined)?.[0]
    if (!cand) {
      if ((r.promptFeedback as Json | undefined)?.blockReason) finish = 'content_filter'
      continue
    }
    for (const p of (((cand.content as Json | undefined)?.parts ?? []) as Json[])) {
      if (typeof p.text === 'string' && p.text) yield chunkOf(meta, p.thought === true ? { reasoning_content: p.text } : { content: p.text })
      const fc = p.functionCall as Json | undefined
      if (fc) {
        const id = typeof fc.id === 'string' && fc.id ? fc.id : `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`
        yield chunkOf(meta, { tool_calls: [{ index: calls++, id, type: 'function', function: { name: String(fc.name ?? ''), arguments: JSON.stringify(fc.args ?? {}) } }] })
      }
    }
    if (typeof cand.finishReason === 'string' && cand.finishReason !== 'FINISH_REASON_UNSPECIFIED') finish = finishReasonOf(cand.finishReason, calls > 0)
  }
  if (!started) throw endedEarly('google', 'without an answer')
  yield chunkOf(meta, {}, finish ?? (calls > 0 ? 'tool_calls' : 'stop'))
  yield usageChunkOf(meta, usage)
}
