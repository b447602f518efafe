/**
 * Serving through an engine's OpenAI API (vLLM, llama.cpp's server, LM Studio, SGLang, any
 * OpenAI-compatible server): the body goes as the client sent it, with the engine's name for the
 * model. Streams are relayed event by event; usage is asked for (`stream_options.include_usage`) so
 * token statistics count, and the usage-only event is dropped when the client did not ask for it.
 */
import { SSE_DONE, SSE_HEADERS, jsonResult, sseData, type HttpResult } from '../inference/http-result.js'
import { InvalidRequestError } from '../errors/errors.js'
import type { BackendApi } from '../backends/index.js'
import { EngineBadResponseError } from './engine-errors.js'
import { callEngine, engineErrorResult, readJsonText, splitOn, type UpstreamCall, type Usage } from './upstream.js'
import { once } from '../protocols/translated.js'

const PATHS: Readonly<Record<Exclude<BackendApi, 'count_tokens'>, string>> = { chat: '/v1/chat/completions', completion: '/v1/completions', embeddings: '/v1/embeddings' }

export function usageOf(u: unknown, into: Usage): void {
  if (typeof u !== 'object' || u === null) return
  const o = u as { prompt_tokens?: unknown; completion_tokens?: unknown }
  if (typeof o.prompt_tokens === 'number') into.promptTokens = o.prompt_tokens
  if (typeof o.completion_tokens === 'number') into.completionTokens = o.completion_tokens
}

export async function serveOpenAi(c: UpstreamCall, api: BackendApi, body: Record<string, unknown>, upstream: string): Promise<{ result: HttpResult; usage: Usage }> {
  if (api === 'count_tokens') throw new InvalidRequestError('Counting tokens is not available for models served by an engine', 'model')
  const usage: Usage = { promptTokens: 0, completionTokens: 0 }
  const stream = body.stream === true && api !== 'embeddings'
  const clientWantsUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true
  const out = { ...body, model: upstream, ...(stream ? { stream_options: { ...(body.stream_options as object | undefined), include_usage: true } } : {}) }
  const res = await callEngine(c, PATHS[api], out, stream ? 'text/event-stream' : 'application/json')
  const type = String(res.headers['content-type'] ?? '')
  if (!stream || res.statusCode >= 400 || !type.includes('text/event-stream')) {
    const { value, text } = await readJsonText(c, res)
    if (res.statusCode >= 400) return { result: engineErrorResult(res.statusCode, value), usage }
    if (stream) throw new EngineBadResponseError(c.engine, 'asked for a stream, got JSON')
    usageOf(value.usage, usage)
    // the engine's bytes as they came when the model keeps its name (the usual case): no second encoding
    if (value.model === body.model || upstream === body.model) return { result: { status: res.statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: once(text) }, usage }
    return { result: jsonResult(res.statusCode, { ...value, model: body.model }), usage }
  }
  return { result: { status: 200, headers: { ...SSE_HEADERS }, body: relay(res.body, String(body.model), usage, clientWantsUsage) }, usage }
}

/** Re-emits each SSE event with the client's model name; reads usage on the way. */
async function* relay(body: AsyncIterable<Uint8Array>, model: string, usage: Usage, keepUsageEvent: boolean): AsyncGenerator<string> {
  let done = false
  for await (const event of splitOn(body, '\n\n')) {
    const data = event
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trimStart())
      .join('\n')
    if (!data) continue
    if (data === '[DONE]') {
      done = true
      break
    }
    let chunk: Record<string, unknown>
    try {
      chunk = JSON.parse(data) as Record<string, unknown>
    } catch {
      continue
    }
    if (chunk.usage) usageOf(chunk.usage, usage)
    if (!keepUsageEvent && Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage) continue
    if (chunk.usage && !keepUsageEvent) delete chunk.usage
    yield `data: ${JSON.stringify({ ...chunk, model })}\n\n`
  }
  // an engine that ends without [DONE] broke off: the client is told, not handed a short answer as whole
  if (!done) yield sseData({ error: { message: 'The stream from the engine serving this model broke', type: 'server_error', param: null, code: 'stream_failed' } })
  yield SSE_DONE
}
