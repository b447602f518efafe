/**
 * Serving side of `/llmlb/forward/1.0.0`: reads one request (head + exactly `bodyLength` body bytes),
 * calls the installed ForwardHandler, and streams its response back frame by frame as the handler
 * yields chunks (no buffering: SSE arrives chunk by chunk).
 *
 * The handler's `signal` aborts when the stream closes or resets before the response is complete, i.e.
 * when the caller cancelled, its node died, or the connection dropped; generation then stops here.
 */
import { FORWARD_WIRE_VERSION, ForwardRequestHeadSchema, type ForwardResponseHead, type ForwardTrailer } from '../protocol/forward-frames.js'
import { FrameStream, type ForwardLimits } from './frame-stream.js'
import type { ForwardHandler, ForwardRequest, ForwardResponse } from '../interfaces.js'
import type { Stream } from '@libp2p/interface'
import type { Logger } from 'pino'

export interface ServeForwardOptions {
  limits: ForwardLimits
  /** Deadline for the request head and body to arrive (ms); a stalled caller cannot pin a stream. */
  readTimeoutMs: number
  log: Logger
  /** Called once the request head is valid (for `forwardsIn`). */
  onRequest?: () => void
  /** Called when the stream ends in failure (for `forwardErrors`). */
  onError?: () => void
}

const encoder = new TextEncoder()

/** Serves one inbound forward stream to completion. Never throws. */
export async function serveForward(stream: Stream, from: string, handler: ForwardHandler | undefined, opts: ServeForwardOptions): Promise<void> {
  const frames = new FrameStream(stream, opts.limits)
  const controller = new AbortController()
  let finished = false
  const onClose = (): void => {
    if (!finished) controller.abort(new Error('forward stream closed by the caller'))
  }
  stream.addEventListener('close', onClose)
  const log = opts.log

  try {
    const req = await readRequest(frames, opts, controller.signal)
    if (req === undefined) {
      stream.abort(new Error('invalid forward request'))
      opts.onError?.()
      return
    }
    opts.onRequest?.()
    const response = await runHandler(handler, req, from, controller.signal, log)
    if (controller.signal.aborted) {
      stream.abort(new Error('forward cancelled'))
      return
    }
    const trailer = await writeResponse(frames, response, opts.limits, controller.signal, log)
    await frames.writeEnd(trailer)
    finished = true
    // Graceful half-close waits for the queued frames to reach the transport; bounded so a caller that
    // stopped reading cannot hold the stream forever.
    await stream.close({ signal: AbortSignal.timeout(opts.readTimeoutMs) })
    if (!trailer.ok) opts.onError?.()
  } catch (err) {
    // A stream closed by the caller is a cancellation, not a failure.
    const cancelled = controller.signal.aborted
    if (!cancelled) {
      log.debug({ err, from }, 'forward stream failed')
      opts.onError?.()
    }
    controller.abort(err)
    stream.abort(err instanceof Error ? err : new Error('forward stream failed'))
  } finally {
    finished = true
    stream.removeEventListener('close', onClose)
  }
}

/** Reads head + body. Returns undefined for a request that breaks the protocol or the limits. */
async function readRequest(frames: FrameStream, opts: ServeForwardOptions, abort: AbortSignal): Promise<ForwardRequest | undefined> {
  const signal = AbortSignal.any([abort, AbortSignal.timeout(opts.readTimeoutMs)])
  const first = await frames.read({ signal })
  const parsed = first.type === 'head' ? ForwardRequestHeadSchema.safeParse(first.json) : undefined
  if (parsed?.success !== true) {
    opts.log.debug('dropping forward stream: invalid request head')
    return undefined
  }
  const head = parsed.data
  if (head.bodyLength > opts.limits.maxBodyBytes) {
    opts.log.debug({ bodyLength: head.bodyLength }, 'dropping forward stream: request body too large')
    return undefined
  }
  const body = new Uint8Array(head.bodyLength)
  let offset = 0
  while (offset < head.bodyLength) {
    const frame = await frames.read({ signal })
    if (frame.type !== 'data' || offset + frame.data.byteLength > head.bodyLength) {
      opts.log.debug('dropping forward stream: request body does not match bodyLength')
      return undefined
    }
    body.set(frame.data, offset)
    offset += frame.data.byteLength
  }
  const req: ForwardRequest = {
    method: head.method,
    path: head.path,
    headers: head.headers,
    body,
    requestId: head.requestId,
    hops: head.hops
  }
  if (head.caller !== undefined) req.caller = head.caller
  return req
}

async function runHandler(handler: ForwardHandler | undefined, req: ForwardRequest, from: string, signal: AbortSignal, log: Logger): Promise<ForwardResponse> {
  if (handler === undefined) {
    return jsonResponse(503, 'this node does not serve forwarded requests', 'unavailable_error')
  }
  try {
    return await handler(req, from, { signal })
  } catch (err) {
    if (!signal.aborted) log.error({ err, requestId: req.requestId, from }, 'forward handler failed before the response head')
    return jsonResponse(500, 'internal error', 'server_error')
  }
}

/** Streams head and body; returns the trailer describing how the body ended. Throws on stream errors. */
async function writeResponse(frames: FrameStream, res: ForwardResponse, limits: ForwardLimits, signal: AbortSignal, log: Logger): Promise<ForwardTrailer> {
  const head: ForwardResponseHead = { v: FORWARD_WIRE_VERSION, status: res.status, headers: res.headers }
  await frames.writeHead(head, { signal })
  let sent = 0
  let iterationFailed: unknown
  try {
    // for-await calls the body's return() when a write throws, so a generator's finally runs.
    for await (const chunk of res.body) {
      sent += chunk.byteLength
      if (sent > limits.maxBodyBytes) {
        log.warn({ limit: limits.maxBodyBytes }, 'forward response body over the limit, truncated')
        return { v: FORWARD_WIRE_VERSION, ok: false, message: 'response body too large' }
      }
      if (chunk.byteLength > 0) await frames.writeData(chunk, { signal })
    }
  } catch (err) {
    if (signal.aborted) throw err
    iterationFailed = err
  }
  if (iterationFailed !== undefined) {
    log.error({ err: iterationFailed }, 'forward handler failed mid-response')
    return { v: FORWARD_WIRE_VERSION, ok: false, message: 'the serving node failed mid-response' }
  }
  return { v: FORWARD_WIRE_VERSION, ok: true }
}

/** Handler installed once the node announced leave: new forwarded work goes elsewhere. */
export const refuseWhileLeaving: ForwardHandler = async () => jsonResponse(503, 'this node is leaving the mesh', 'unavailable_error')

function jsonResponse(status: number, message: string, type: string): ForwardResponse {
  const body = encoder.encode(JSON.stringify({ error: { message, type, param: null, code: null } }))
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: (async function* () { yield body })()
  }
}
