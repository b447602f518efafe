/**
 * Writes an HttpResult to the client. If the client goes away the body iterator is closed, which
 * cancels generation (locally) or the forward stream (remotely).
 *
 * - Event streams (SSE, NDJSON): the head at once, then each event as it comes, respecting backpressure.
 * - Anything else (a JSON answer, one chunk locally, a few frames when forwarded): gathered, then head
 *   and body leave in one socket write with a content-length. A response costs one write instead of
 *   three (head, chunk, chunked terminator), and a forwarded body that breaks before it is complete
 *   becomes a clean 502 instead of a truncated 200. Bodies over `SINGLE_WRITE_MAX_BYTES` are streamed.
 *
 * Either way the history record is committed before the response completes.
 */
import type { FastifyReply } from 'fastify'
import type { ServerResponse } from 'node:http'
import type { Served } from '../inference/inference-service.js'
import { renderError } from '../errors/render.js'
import type { ResponseTap } from './response-tap.js'

/** Largest non-stream body sent in one write with its head; a larger one is streamed as it comes (bytes). */
export const SINGLE_WRITE_MAX_BYTES = 1 << 20

/** Content types whose events are written as they come: SSE, NDJSON (Ollama's streams), and audio (speech as it is spoken). */
export const STREAM_CONTENT_TYPES: readonly string[] = ['text/event-stream', 'application/x-ndjson', 'audio/']

const isStreamType = (contentType: string): boolean => STREAM_CONTENT_TYPES.some((t) => contentType.includes(t))

/** `x-llmlb-*` headers that explain where a request was served. */
export function routeHeaders(s: Pick<Served, 'route'>): Record<string, string> {
  const h: Record<string, string> = {
    'x-llmlb-served-by': s.route.servedBy,
    'x-llmlb-route': s.route.route,
    'x-llmlb-route-reason': s.route.reason,
    'x-llmlb-hops': String(s.route.hops)
  }
  if (s.route.queueWaitMs !== undefined) h['x-llmlb-queue-wait-ms'] = String(Math.round(s.route.queueWaitMs))
  return h
}

const toBuffer = (c: string | Uint8Array): Buffer => (typeof c === 'string' ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength))

/** Resolves when `res` can take more data, or is closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/** Streams `served` to the client; resolves when the body is fully written or the client left. */
export async function sendServed(reply: FastifyReply, served: Served, extraHeaders: Record<string, string>): Promise<void> {
  const res = reply.raw
  reply.hijack()
  const status = served.result.status
  // headers hooks set on the reply (CORS) would be lost by the hijack: carry them over
  const hooked: Record<string, string> = {}
  for (const [h, v] of Object.entries(reply.getHeaders())) if (typeof v === 'string') hooked[h] = v
  const headers = { ...hooked, ...served.result.headers, ...routeHeaders(served), ...extraHeaders }
  // until the head is written, the body is gathered here (null: streaming)
  let gathered: (string | Uint8Array)[] | null = isStreamType(headers['content-type'] ?? '') ? null : []
  let size = 0
  const startStreaming = (): void => {
    res.writeHead(status, headers)
    if (gathered === null) res.flushHeaders()
    else for (const b of gathered) res.write(b)
    gathered = null
  }
  if (gathered === null) startStreaming()
  // history and metrics (observability/request-observer.ts) see every chunk as it is written
  const tap: ResponseTap | undefined = reply.request.observeServed?.(served)
  let failure: unknown
  const it = served.result.body[Symbol.asyncIterator]()
  let closed = false
  const onClose = (): void => {
    closed = true
    // ends a pending `it.next()` consumer: generation stops and the slot is freed
    void it.return?.()
  }
  res.once('close', onClose)
  try {
    for (let r = await it.next(); !r.done && !closed; r = await it.next()) {
      tap?.chunk(r.value)
      if (gathered !== null) {
        gathered.push(r.value)
        size += typeof r.value === 'string' ? Buffer.byteLength(r.value) : r.value.byteLength
        if (size > SINGLE_WRITE_MAX_BYTES) startStreaming()
      } else if (!res.write(r.value)) await drained(res)
    }
  } catch (err) {
    failure = err
    reply.log.warn({ err: (err as Error).message }, 'response body failed after the response head')
  } finally {
    res.off('close', onClose)
    // nothing sent yet and the body broke: the client gets the 502 it would get before the head
    const broken = failure !== undefined && gathered !== null ? renderError({ code: 'stream_failed' }) : undefined
    // recorded (committed) before the response completes: whoever got the whole answer finds it in history
    await tap?.end({ clientGone: closed, error: failure, ...(broken ? { status: broken.status } : {}) })
    if (closed) await it.return?.()
    else if (broken) {
      const text = JSON.stringify(broken.body)
      res.writeHead(broken.status, { ...hooked, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...routeHeaders(served), ...extraHeaders })
      res.end(text)
    } else if (gathered !== null) {
      res.writeHead(status, { ...headers, 'content-length': size })
      // one string (the usual JSON answer) goes out with the head in a single string write
      res.end(gathered.length === 1 ? gathered[0] : Buffer.concat(gathered.map(toBuffer), size))
    } else res.end()
  }
}
