/**
 * Serving side of `/llmlb/forward/2.0.0`: a stream carries one exchange after another. For each, it
 * reads the request (head + exactly `bodyLength` body bytes; on a streamed path the handler reads the
 * body itself as it arrives, and what it left unread is discarded after its response), calls the handler current at that moment,
 * and streams its response back frame by frame as the handler yields chunks (no buffering: SSE arrives
 * chunk by chunk), ending with END. Then it waits for the caller's next request on the same stream.
 *
 * The handler's `signal` aborts when the stream closes or resets before the response is complete, i.e.
 * when the caller cancelled, its node died, or the connection dropped; generation then stops here.
 */
import { FORWARD_WIRE_VERSION, ForwardRequestHeadSchema, type ForwardResponseHead, type ForwardTrailer } from '../protocol/forward-frames.js'
import { FrameChannel, type ForwardLimits } from './frame-channel.js'
import { StreamedRequestBody } from './request-body.js'
import { MIN_FORWARD_STREAM_RATE } from '../constants.js'
import type { ForwardedRequest, ForwardHandler, ForwardResponse } from '../interfaces.js'
import type { DecodedFrame } from '../protocol/forward-frames.js'
import type { Stream } from '@libp2p/interface'
import type { Logger } from 'pino'

export interface ServeForwardOptions {
  limits: ForwardLimits
  /** Deadline for a request's body to arrive once its head did (ms); a stalled caller cannot pin a stream. */
  readTimeoutMs: number
  /** How long a stream may wait for its next request before this side closes it (ms). */
  idleTimeoutMs: number
  /** Whether the handler reads this path's body as a stream (path without query). @default none */
  streamedPaths?: (path: string) => boolean
  log: Logger
  /** Called once per request whose head is valid (for `forwardsIn`). */
  onRequest?: () => void
  /** Called when an exchange ends in failure (for `forwardErrors`). */
  onError?: () => void
  /** Called when the caller cancelled an exchange before its response was complete (for `forwardsCancelled`). */
  onCancel?: () => void
}

const encoder = new TextEncoder()

/**
 * Serves one inbound forward stream until the caller closes it, it idles out, or an exchange fails.
 * `handler` is asked for each request (so a node that starts leaving refuses the next one). Never throws.
 */
export async function serveForward(stream: Stream, from: string, handler: () => ForwardHandler | undefined, opts: ServeForwardOptions): Promise<void> {
  const channel = new FrameChannel(stream, opts.limits)
  try {
    while (true) {
      let first: DecodedFrame
      try {
        first = await withDeadline(opts.idleTimeoutMs, undefined, signal => channel.read({ signal }))
      } catch {
        // the caller closed the stream between requests, it idled out, or it broke: nothing in flight
        await stream.close({ signal: AbortSignal.timeout(opts.readTimeoutMs) }).catch(() => stream.abort(new Error('forward stream close failed')))
        return
      }
      if (!(await serveExchange(channel, first, from, handler(), opts))) return
    }
  } finally {
    channel.detach()
  }
}

/** One request and its response. Returns whether the stream can carry the next one. Never throws. */
async function serveExchange(channel: FrameChannel, first: DecodedFrame, from: string, handler: ForwardHandler | undefined, opts: ServeForwardOptions): Promise<boolean> {
  const stream = channel.stream
  const controller = new AbortController()
  let finished = false
  const onClose = (): void => {
    if (!finished) controller.abort(new Error('forward stream closed by the caller'))
  }
  stream.addEventListener('close', onClose)
  stream.addEventListener('remoteCloseWrite', onClose)
  const log = opts.log
  let body: StreamedRequestBody | undefined
  try {
    const read = await readRequest(channel, first, opts, controller.signal)
    if (read === undefined) {
      stream.abort(new Error('invalid forward request'))
      opts.onError?.()
      return false
    }
    const req = read.req
    body = read.body
    opts.onRequest?.()
    const response = await runHandler(handler, req, from, controller.signal, log)
    if (body?.violation !== undefined) {
      log.debug({ from, why: body.violation }, 'dropping forward stream: streamed request body')
      opts.onError?.()
      return false
    }
    if (controller.signal.aborted) {
      opts.onCancel?.()
      stream.abort(new Error('forward cancelled'))
      return false
    }
    const trailer = await writeResponse(channel, response, opts.limits, controller.signal, log)
    channel.writeEnd(trailer)
    finished = true
    await withDeadline(opts.readTimeoutMs, undefined, signal => channel.drained({ signal }))
    // the handler answered without reading its whole body (a refusal, a bad form): the rest is discarded
    if (body !== undefined && !(await body.drain())) {
      stream.abort(new Error(body.violation ?? 'forward request body broken'))
      opts.onError?.()
      return false
    }
    if (!trailer.ok) opts.onError?.()
    return true
  } catch (err) {
    // A stream closed by the caller is a cancellation, not a failure.
    if (!controller.signal.aborted) {
      log.debug({ err, from }, 'forward stream failed')
      opts.onError?.()
    } else opts.onCancel?.()
    controller.abort(err)
    stream.abort(err instanceof Error ? err : new Error('forward stream failed'))
    return false
  } finally {
    finished = true
    body?.dispose()
    stream.removeEventListener('close', onClose)
    stream.removeEventListener('remoteCloseWrite', onClose)
  }
}

/**
 * Reads the body after `first` (the head), or, on a streamed path, hands it to the handler as a
 * stream. Returns undefined for a request that breaks the protocol or the limits.
 */
async function readRequest(channel: FrameChannel, first: DecodedFrame, opts: ServeForwardOptions, abort: AbortSignal): Promise<{ req: ForwardedRequest; body?: StreamedRequestBody } | undefined> {
  const parsed = first.type === 'head' ? ForwardRequestHeadSchema.safeParse(first.json) : undefined
  if (parsed?.success !== true) {
    opts.log.debug('dropping forward stream: invalid request head')
    return undefined
  }
  const head = parsed.data
  const streamed = opts.streamedPaths?.(head.path.split('?')[0] ?? '') === true
  const limits = opts.limits
  if (head.bodyLength > (streamed ? (limits.maxStreamedBodyBytes ?? limits.maxBodyBytes) : limits.maxBodyBytes)) {
    opts.log.debug({ bodyLength: head.bodyLength }, 'dropping forward stream: request body too large')
    return undefined
  }
  const meta = { method: head.method, path: head.path, headers: head.headers, requestId: head.requestId, hops: head.hops, ...(head.caller === undefined ? {} : { caller: head.caller }) }
  if (streamed) {
    const deadlineMs = opts.readTimeoutMs + Math.ceil((head.bodyLength / MIN_FORWARD_STREAM_RATE) * 1000)
    const body = new StreamedRequestBody(channel, head.bodyLength, deadlineMs, abort, () => channel.stream.abort(new Error('forward request body broken')))
    return { req: { ...meta, body: new Uint8Array(0), stream: body }, body }
  }
  const body = new Uint8Array(head.bodyLength)
  let offset = 0
  const complete = await withDeadline(opts.readTimeoutMs, abort, async signal => {
    while (offset < head.bodyLength) {
      const frame = await channel.read({ signal })
      if (frame.type !== 'data' || offset + frame.data.byteLength > head.bodyLength) return false
      body.set(frame.data, offset)
      offset += frame.data.byteLength
    }
    return true
  })
  if (!complete) {
    opts.log.debug('dropping forward stream: request body does not match bodyLength')
    return undefined
  }
  return { req: { ...meta, body } }
}

/**
 * Runs `fn` with a signal that aborts after `ms` or with `parent`. One timer, cleared when `fn` settles:
 * a stream serves thousands of requests, and `AbortSignal.timeout` would leave a timer behind for each.
 */
async function withDeadline<T>(ms: number, parent: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new Error(`no forward frame within ${ms} ms`)), ms)
  const onParent = (): void => controller.abort(parent?.reason)
  parent?.addEventListener('abort', onParent, { once: true })
  if (parent?.aborted === true) onParent()
  try {
    return await fn(controller.signal)
  } finally {
    clearTimeout(timer)
    parent?.removeEventListener('abort', onParent)
  }
}

async function runHandler(handler: ForwardHandler | undefined, req: ForwardedRequest, from: string, signal: AbortSignal, log: Logger): Promise<ForwardResponse> {
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
async function writeResponse(channel: FrameChannel, res: ForwardResponse, limits: ForwardLimits, signal: AbortSignal, log: Logger): Promise<ForwardTrailer> {
  const head: ForwardResponseHead = { v: FORWARD_WIRE_VERSION, status: res.status, headers: res.headers }
  channel.writeHead(head)
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
      if (chunk.byteLength > 0) {
        channel.writeData(chunk)
        // waits only when the transport wants a drain; chunks produced in one turn leave together
        if (channel.stream.writableNeedsDrain) await channel.drained({ signal })
      }
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
