/**
 * Writes an HttpResult to the client: status and headers at once, then each body chunk as it comes,
 * respecting backpressure. If the client goes away the body iterator is closed, which cancels
 * generation (locally) or the forward stream (remotely).
 */
import type { FastifyReply } from 'fastify'
import type { Served } from '../inference/inference-service.js'
import type { ResponseTap } from './response-tap.js'

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

/** Streams `served` to the client; resolves when the body is fully written or the client left. */
export async function sendServed(reply: FastifyReply, served: Served, extraHeaders: Record<string, string>): Promise<void> {
  const res = reply.raw
  reply.hijack()
  res.writeHead(served.result.status, { ...served.result.headers, ...routeHeaders(served), ...extraHeaders })
  res.flushHeaders()
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
      const ok = res.write(r.value)
      tap?.chunk(r.value)
      if (!ok) await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done)
          res.off('close', done)
          resolve()
        }
        res.on('drain', done)
        res.on('close', done)
      })
    }
  } catch (err) {
    // the status line is gone; a broken body can only end the response
    failure = err
    reply.log.warn({ err: (err as Error).message }, 'response body failed after the first byte')
  } finally {
    res.off('close', onClose)
    // recorded (committed) before the response completes: whoever got the whole answer finds it in history
    await tap?.end({ clientGone: closed, error: failure })
    if (!closed) res.end()
    else await it.return?.()
  }
}
