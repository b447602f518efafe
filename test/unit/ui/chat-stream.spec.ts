// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { EMPTY_ANSWER, foldChatEvent, interpretChatEvent, type ChatStreamEvent } from '../../../ui/src/lib/chat-stream.js'
import { createSseParser } from '../../../ui/src/lib/sse.js'

const chunk = (content: string | null, finish: string | null = null, usage?: object) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`

/** Feeds the parser with `chunks` and folds every event, as the playground does. */
function play(chunks: string[]) {
  const parser = createSseParser()
  const events: ChatStreamEvent[] = []
  for (const c of chunks) for (const ev of parser.push(c)) events.push(...interpretChatEvent(ev))
  return { events, answer: events.reduce(foldChatEvent, EMPTY_ANSWER) }
}

describe('chat stream', () => {
  it('assembles the answer from deltas split at arbitrary points', () => {
    const text = chunk('Hel') + chunk('lo, ') + chunk('mesh') + chunk(null, 'stop', { prompt_tokens: 5, completion_tokens: 3 }) + 'data: [DONE]\n\n'
    const pieces = [text.slice(0, 7), text.slice(7, 50), text.slice(50, 51), text.slice(51, 140), text.slice(140)]
    const { answer } = play(pieces)
    expect(answer).toEqual({ text: 'Hello, mesh', finishReason: 'stop', promptTokens: 5, completionTokens: 3, error: null, done: true })
  })

  it('ends with the error of an error event after the first byte', () => {
    const { answer, events } = play([chunk('partial'), 'data: {"error":{"message":"The node serving this model failed","type":"server_error","param":null,"code":"upstream_failed"}}\n\n'])
    expect(events.at(-1)).toEqual({ type: 'error', message: 'The node serving this model failed', code: 'upstream_failed' })
    expect(answer.text).toBe('partial')
    expect(answer.error).toBe('The node serving this model failed')
    expect(answer.done).toBe(true)
  })

  it('accepts a named error event and non-JSON payloads', () => {
    expect(interpretChatEvent({ event: 'error', data: 'overloaded' })).toEqual([{ type: 'error', message: 'overloaded' }])
    expect(interpretChatEvent({ event: 'message', data: '{oops' })[0]?.type).toBe('error')
  })

  it('reads a usage-only chunk (stream_options.include_usage)', () => {
    expect(interpretChatEvent({ event: 'message', data: JSON.stringify({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 9 } }) })).toEqual([
      { type: 'usage', promptTokens: 2, completionTokens: 9 }
    ])
  })
})
