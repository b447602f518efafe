/**
 * What both upstream dialects share: calling the engine with failures before the first byte turned
 * into `engine_unavailable` (so the ingress fails over), reading a whole answer with a bound, and
 * the engine's own error answers turned into OpenAI's error shape with their status.
 */
import type { OutboundResponse } from '../net/index.js'
import { discard, OutboundBlockedError, readBounded } from '../net/index.js'
import { jsonResult, type HttpResult } from '../inference/http-result.js'
import { errorRow } from '../errors/error-table.js'
import type { EngineHttp } from './engine-http.js'
import { EngineBadResponseError, EngineUnavailableError } from './engine-errors.js'

/** Largest non-streamed answer read from an engine (bytes): embeddings of a large batch fit. */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024

export interface Usage {
  promptTokens: number
  completionTokens: number
}

export interface UpstreamCall {
  http: EngineHttp
  /** For messages: the engine's name. */
  engine: string
  signal: AbortSignal
}

/** Errors of a connection that was closed under us before the request went out. */
const STALE_SOCKET = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED'])

/** POSTs to the engine; anything that fails before a 2xx/4xx head is `engine_unavailable`. */
export async function callEngine(c: UpstreamCall, path: string, body: unknown, accept?: string): Promise<OutboundResponse> {
  return callEngineWith(c, path, { body: JSON.stringify(body), contentType: 'application/json' }, accept)
}

/** Like callEngine, with a body already encoded (an image upload's multipart form). */
export async function callEngineWith(c: UpstreamCall, path: string, payload: { body: string | Uint8Array; contentType: string }, accept?: string): Promise<OutboundResponse> {
  let res: OutboundResponse | undefined
  // a kept-alive connection the engine closed (it restarted) fails at once: once more on a new one
  for (let attempt = 0; !res; attempt++) {
    try {
      res = await c.http.post(path, payload.body, c.signal, accept, payload.contentType)
    } catch (err) {
      if (c.signal.aborted) throw err
      if (err instanceof OutboundBlockedError) throw err
      if (attempt === 0 && STALE_SOCKET.has(String((err as { cause?: { code?: unknown } }).cause?.code))) continue
      throw new EngineUnavailableError(c.engine, (err as Error).message, err)
    }
  }
  if (res.statusCode >= 500 || res.statusCode === 429) {
    const text = await readBounded(res.body, 64 * 1024, path).catch(() => (discard(res.body), ''))
    throw new EngineUnavailableError(c.engine, `answered ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`)
  }
  return res
}

/** Reads a whole JSON answer, bounded; a non-JSON or oversized one is `engine_bad_response`. */
export async function readJson(c: UpstreamCall, res: OutboundResponse): Promise<Record<string, unknown>> {
  return (await readJsonText(c, res)).value
}

/** Like readJson, with the text as it came (passed on as is when nothing in it changes). */
export async function readJsonText(c: UpstreamCall, res: OutboundResponse): Promise<{ value: Record<string, unknown>; text: string }> {
  let text: string
  try {
    text = await readBounded(res.body, MAX_ANSWER_BYTES, c.engine)
  } catch (err) {
    discard(res.body)
    if (c.signal.aborted) throw err
    throw new EngineBadResponseError(c.engine, (err as Error).message)
  }
  try {
    const v: unknown = JSON.parse(text)
    if (typeof v !== 'object' || v === null) throw new Error('not an object')
    return { value: v as Record<string, unknown>, text }
  } catch {
    throw new EngineBadResponseError(c.engine, `a ${res.statusCode} answer that is not JSON`)
  }
}

/**
 * An engine's 4xx answer as the client gets it: OpenAI's error shape (an OpenAI engine's own body
 * when it is already that shape; Ollama's `{"error": "text"}` wrapped), with the engine's status.
 */
export function engineErrorResult(status: number, body: Record<string, unknown>): HttpResult {
  const err = body.error
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') return jsonResult(status, body)
  const code = status === 404 ? 'model_not_found' : 'invalid_request'
  const message = typeof err === 'string' ? err : `The engine refused the request (${status})`
  return jsonResult(status, { error: { message, type: errorRow(code).type, param: null, code } })
}

/** Splits a byte stream into lines (NDJSON) or SSE events (separator `\n\n`). */
export async function* splitOn(body: AsyncIterable<Uint8Array | string>, sep: string): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buf = ''
  for await (const chunk of body) {
    buf += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    if (buf.includes('\r')) buf = buf.replace(/\r\n/g, '\n')
    let i: number
    while ((i = buf.indexOf(sep)) >= 0) {
      const part = buf.slice(0, i)
      buf = buf.slice(i + sep.length)
      if (part.trim()) yield part
    }
  }
  if (buf.trim()) yield buf
}
