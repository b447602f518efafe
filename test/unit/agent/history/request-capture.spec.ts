import { describe, expect, it } from 'vitest'
import { RequestCapture, type CaptureInit, type ServedInfo } from '../../../../agent/src/history/request-capture.js'

function capture(over: Partial<CaptureInit> = {}): { cap: RequestCapture; tick: (ms: number) => void } {
  let now = 1000
  const cap = new RequestCapture({ id: 'r1', api: 'chat', ingressNode: 'n1', clientAddress: '10.0.0.9', startedAt: 1_700_000_000_000, clock: () => now, storeBodies: true, maxBodyBytes: 4096, ...over })
  return { cap, tick: (ms) => void (now += ms) }
}

const served = (over: Partial<ServedInfo> = {}): ServedInfo => ({
  status: 200,
  contentType: 'text/event-stream; charset=utf-8',
  model: 'm',
  stream: true,
  route: { servedBy: 'n2', route: 'forwarded', reason: 'free-slot', hops: 1, queueWaitMs: 3, peerHeadMs: 4 },
  ...over
})
const sse = (v: unknown): string => `data: ${JSON.stringify(v)}\n\n`
const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }

describe('RequestCapture', () => {
  it('records a forwarded stream with its usage, TTFT and route', () => {
    const { cap, tick } = capture()
    tick(5)
    cap.head(served())
    tick(10)
    cap.chunk(sse({ choices: [{ delta: { content: 'a' } }] }))
    tick(20)
    cap.chunk(sse({ choices: [{ delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } }) + 'data: [DONE]\n\n')
    cap.end({ clientGone: false })
    const { record, bodies, timings } = cap.finish({ body, apiKeyId: 'key-1' })
    expect(record).toMatchObject({ id: 'r1', api: 'chat', model: 'm', stream: true, ingressNode: 'n1', servedBy: 'n2', route: 'forwarded', hops: 1, status: 200, outcome: 'success', error: null, ttftMs: 15, durationMs: 35, queueWaitMs: 3, inputTokens: 9, outputTokens: 4, tokensEstimated: false, apiKeyId: 'key-1', clientAddress: '10.0.0.9' })
    expect(timings).toEqual({ headMs: 5, peerHeadMs: 4 })
    expect(bodies?.request).toContain('"hi"')
    expect(bodies?.response).toContain('[DONE]')
  })

  it('prefers local usage when the answer carries none, and estimates a stream cut short', () => {
    const { cap } = capture()
    const usage = { promptTokens: 0, completionTokens: 0 }
    cap.head(served({ route: { servedBy: 'n1', route: 'local', reason: 'r', hops: 0 }, usage }))
    cap.chunk(sse({ choices: [{ delta: { content: 'a' } }] }) + sse({ choices: [{ delta: { content: 'b' } }] }))
    cap.end({ clientGone: true })
    const { record } = cap.finish({ body, apiKeyId: null })
    expect(record).toMatchObject({ outcome: 'aborted', outputTokens: 2, tokensEstimated: true, status: 200 })
    const c2 = capture().cap
    c2.head(served({ contentType: 'application/json', route: { servedBy: 'n1', route: 'local', reason: 'r', hops: 0 }, usage: { promptTokens: 5, completionTokens: 6 } }))
    c2.chunk('{"truncated')
    c2.end({ clientGone: false })
    expect(c2.finish({ body, apiKeyId: null }).record).toMatchObject({ inputTokens: 5, outputTokens: 6, tokensEstimated: false })
  })

  it('a stream that breaks after the head is an error with its 200', () => {
    const { cap } = capture()
    cap.head(served())
    cap.chunk(sse({ choices: [{ delta: { content: 'a' } }] }))
    cap.end({ clientGone: false, error: new Error('peer died') })
    expect(cap.finish({ body, apiKeyId: null }).record).toMatchObject({ status: 200, outcome: 'error', error: { code: 'stream_failed', message: 'peer died' } })
  })

  it('records a request refused before any answer from the error body', () => {
    const { cap, tick } = capture({ storeBodies: false })
    tick(2)
    cap.reject(404, JSON.stringify({ error: { message: "The model 'x' does not exist", type: 'invalid_request_error', param: 'model', code: 'model_not_found' } }))
    const { record, bodies } = cap.finish({ body: { model: 'x' }, apiKeyId: null })
    expect(record).toMatchObject({ model: 'x', status: 404, outcome: 'error', error: { code: 'model_not_found' }, servedBy: null, route: null, ttftMs: null, durationMs: 2, inputTokens: 0 })
    expect(bodies).toBeUndefined()
    expect(cap.finished).toBe(true)
  })

  it('reads the error of an Anthropic (type) or Ollama (bare string) error body', () => {
    const a = capture({ api: 'anthropic' }).cap
    a.reject(401, JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'No valid API key' } }))
    expect(a.finish({ body: undefined, apiKeyId: null }).record).toMatchObject({ api: 'anthropic', status: 401, error: { code: 'authentication_error', message: 'No valid API key' } })
    const o = capture({ api: 'ollama' }).cap
    o.reject(404, JSON.stringify({ error: "The model 'x' does not exist" }))
    expect(o.finish({ body: { model: 'x' }, apiKeyId: null }).record).toMatchObject({ api: 'ollama', status: 404, error: { code: 'http_404', message: "The model 'x' does not exist" } })
    // the stable code, when the error handler gave it (x-llmlb-error-code), wins
    const k = capture({ api: 'ollama' }).cap
    k.reject(404, JSON.stringify({ error: "The model 'x' does not exist" }), 'model_not_found')
    expect(k.finish({ body: { model: 'x' }, apiKeyId: null }).record.error).toEqual({ code: 'model_not_found', message: "The model 'x' does not exist" })
  })

  it('a client gone while queued is aborted (499)', () => {
    const { cap } = capture()
    cap.reject(499, JSON.stringify({ error: { message: 'gone', type: 'invalid_request_error', param: null, code: 'aborted' } }))
    expect(cap.finish({ body, apiKeyId: null }).record.outcome).toBe('aborted')
  })
})
