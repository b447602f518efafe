import { describe, expect, it } from 'vitest'
import { ResponseReader } from '../../../../agent/src/history/response-reader.js'

const sse = (v: unknown): string => `data: ${JSON.stringify(v)}\n\n`
const chunk = (text: string, usage?: unknown): Record<string, unknown> => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text }, finish_reason: null }], ...(usage === undefined ? {} : { usage }) })

describe('ResponseReader', () => {
  it('reads usage from the end of a JSON body, with or without nested details', () => {
    for (const details of [{}, { prompt_tokens_details: { cached_tokens: 5 } }]) {
      const r = new ResponseReader(false, 1024)
      r.push(JSON.stringify({ id: 'x', choices: [{ message: { content: 'hi "usage":{' } }], usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, ...details } }))
      const f = r.finish(200)
      expect(f.usage).toEqual({ inputTokens: 12, outputTokens: 7 })
      expect(f.error).toBeUndefined()
      expect(f.complete).toBe(true)
    }
  })

  it('reads embeddings usage (no completion tokens)', () => {
    const r = new ResponseReader(false, 0)
    r.push(new TextEncoder().encode(JSON.stringify({ object: 'list', data: [{ embedding: [0.1, 0.2] }], usage: { prompt_tokens: 4, total_tokens: 4 } })))
    expect(r.finish(200).usage).toEqual({ inputTokens: 4, outputTokens: 0 })
  })

  it('reads an error body', () => {
    const r = new ResponseReader(false, 1024)
    r.push(JSON.stringify({ error: { message: 'too long', type: 'invalid_request_error', param: null, code: 'context_length_exceeded' } }))
    expect(r.finish(400).error).toEqual({ code: 'context_length_exceeded', message: 'too long' })
  })

  it('reads usage from the last SSE chunks, split anywhere, with include_usage or without', () => {
    for (const includeUsage of [false, true]) {
      const text =
        sse(chunk('Hé', includeUsage ? null : undefined)) +
        sse(chunk('llo', includeUsage ? null : undefined)) +
        sse({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }], usage: includeUsage ? null : { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }) +
        (includeUsage ? sse({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 1 } } }) : '') +
        'data: [DONE]\n\n'
      const bytes = new TextEncoder().encode(text)
      const r = new ResponseReader(true, 64)
      for (let i = 0; i < bytes.length; i += 7) r.push(bytes.subarray(i, i + 7))
      const f = r.finish(200)
      expect(f.usage).toEqual({ inputTokens: 3, outputTokens: 2 })
      expect(f.contentEvents).toBe(2)
      expect(f.bytes).toBe(bytes.length)
      expect(f.complete).toBe(false)
      expect(f.captured.length).toBe(64)
    }
  })

  it('reads the error event that ends a failed stream, and counts content before it', () => {
    const r = new ResponseReader(true, 0)
    r.push(sse(chunk('a')) + sse(chunk('b')) + sse({ error: { message: 'broke', type: 'server_error', code: 'stream_failed' } }))
    const f = r.finish(200)
    expect(f.error).toEqual({ code: 'stream_failed', message: 'broke' })
    expect(f.usage).toBeUndefined()
    expect(f.contentEvents).toBe(2)
  })

  it('counts Responses text deltas as content events (the estimate when a client leaves early)', () => {
    const r = new ResponseReader(true, 0)
    for (const d of ['Hel', 'lo']) r.push(`event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"${d}","sequence_number":1}\n\n`)
    r.push('event: response.in_progress\ndata: {"type":"response.in_progress","response":{"output":[]}}\n\n')
    expect(r.finish(200).contentEvents).toBe(2)
  })
})
