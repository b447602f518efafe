/**
 * A translator on the serving node reads the chat stream as chunk objects instead of parsing the SSE
 * text back: it must see exactly what it would read from the bytes (a forwarded answer), failures
 * included.
 */
import { describe, expect, it } from 'vitest'
import { chunkObjects, streamGeneration, type ChoiceEvent, type GenerationMeta } from '../../../../agent/src/http/format/generation.js'
import { ChatChunkSchema, ChatPathError, openChat, readChatChunks, type ChatChunk } from '../../../../agent/src/protocols/chat-events.js'
import type { InferenceService } from '../../../../agent/src/inference/inference-service.js'
import type { RequestContext } from '../../../../agent/src/inference/request-context.js'
import { SSE_HEADERS } from '../../../../agent/src/inference/http-result.js'

const meta = (includeUsage: boolean, logprobs = false): GenerationMeta => ({ api: 'chat', id: 'chatcmpl-1', model: 'm', created: 1, includeUsage, logprobs })
const lp = [{ token: 'a', logprob: -0.5, bytes: [97], top: [{ token: 'a', logprob: -0.5, bytes: [97] }] }]

/** Two choices: reasoning, text with logprobs, a tool call, and their ends. */
const EVENTS: ChoiceEvent[] = [
  { index: 0, event: { type: 'text', text: 'think', channel: 'reasoning' } },
  { index: 1, event: { type: 'text', text: 'b' } },
  { index: 0, event: { type: 'text', text: 'a', logprobs: lp } },
  { index: 0, event: { type: 'toolCall', name: 'f', arguments: '{"x":1}' } },
  { index: 1, event: { type: 'end', finishReason: 'length', promptTokens: 5, completionTokens: 1, cachedTokens: 0 } },
  { index: 0, event: { type: 'end', finishReason: 'tool_calls', promptTokens: 5, completionTokens: 3, cachedTokens: 2 } }
] as ChoiceEvent[]

async function* from<T>(items: T[], fail?: Error): AsyncGenerator<T> {
  for (const i of items) yield i
  if (fail) throw fail
}

async function all<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of gen) out.push(x)
  return out
}

// tool call ids are random per formatting: compare everything else
const sameIds = (chunks: ChatChunk[]): ChatChunk[] => JSON.parse(JSON.stringify(chunks).replace(/"call_[A-Za-z0-9_-]+"/g, '"call"')) as ChatChunk[]

/** A service whose chat answer was generated here from `events` (both views, as the local executor makes them). */
const localService = (events: () => AsyncIterable<ChoiceEvent>, m: GenerationMeta): InferenceService =>
  ({
    handle: async () => ({
      result: { status: 200, headers: { ...SSE_HEADERS }, body: streamGeneration(m, events(), 2), chunks: chunkObjects(m, events(), 2) },
      route: { servedBy: 'n', route: 'local', reason: 'test', hops: 0 },
      model: 'm',
      stream: true
    })
  }) as unknown as InferenceService

const ctx: RequestContext = { requestId: 'r1', signal: new AbortController().signal, hops: 0, local: false }

describe('chat chunks served here', () => {
  for (const includeUsage of [true, false]) {
    it(`are what the SSE bytes parse back to (include_usage ${includeUsage})`, async () => {
      const m = meta(includeUsage, true)
      const fromBytes = await all(readChatChunks(streamGeneration(m, from(EVENTS), 2)))
      const direct = await all(chunkObjects(m, from(EVENTS), 2))
      expect(direct.length).toBeGreaterThan(4)
      expect(sameIds(direct.map((c) => ChatChunkSchema.parse(c)))).toEqual(sameIds(fromBytes))
      // and the SSE text is still one piece per event: the end of the last choice and its usage chunk leave together
      const pieces = await all(streamGeneration(m, from(EVENTS), 2))
      expect(pieces.at(-1)).toBe('data: [DONE]\n\n')
      expect((pieces.at(-2)?.match(/^data: /gm) ?? []).length).toBe(includeUsage ? 2 : 1)
    })
  }

  it('openChat reads the objects, and a failure after the start is the same mid-stream error as from the bytes', async () => {
    const fail = (): AsyncIterable<ChoiceEvent> => from(EVENTS.slice(0, 2), Object.assign(new Error('runtime went away'), { code: 'runtime_unavailable' }))
    const answer = await openChat(localService(fail, meta(true)), { model: 'm', messages: [] }, ctx)
    const seen: ChatChunk[] = []
    const err = await (async () => {
      for await (const c of answer.chunks) seen.push(c)
    })().catch((e: unknown) => e)
    expect(seen).toHaveLength(2)
    expect(err).toBeInstanceOf(ChatPathError)
    const fromBytes = await all(readChatChunks(streamGeneration(meta(true), fail(), 2))).catch((e: unknown) => e)
    expect(fromBytes).toBeInstanceOf(ChatPathError)
    const [a, b] = [err as ChatPathError, fromBytes as ChatPathError]
    expect({ status: a.status, body: a.body, midStream: a.midStream }).toEqual({ status: b.status, body: b.body, midStream: true })
  })
})
