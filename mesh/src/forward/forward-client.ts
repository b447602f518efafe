/**
 * Caller side of `/llmlb/forward/2.0.0`: writes the request head and body on a stream (fresh or reused
 * from the pool), waits for the response head, then hands back a body iterator that yields DATA frames
 * as they arrive. After the END frame the stream is handed back for the next request.
 *
 * A request body given as a source (`ForwardBodySource`) is opened for this attempt and written as it
 * is read, one chunk at a time, each waiting for the stream to drain when the peer is slower: the
 * caller never holds more than a chunk and the muxer's window. It is written while the response head
 * is awaited (the peer may answer before it read everything); the stream is reusable only once both
 * the body went out in full and the response ended.
 *
 * Cancellation: aborting `signal` (before or after the head) aborts the stream, which resets it on the
 * serving node, whose handler signal then aborts. Abandoning the body iterator (`break`) does the same.
 */
import { ForwardError } from '../errors.js'
import {
  FORWARD_WIRE_VERSION,
  ForwardRequestHeadSchema,
  ForwardResponseHeadSchema,
  ForwardTrailerSchema,
  FrameDecodeError,
  type ForwardRequestHead
} from '../protocol/forward-frames.js'
import type { FrameChannel, ForwardLimits } from './frame-channel.js'
import type { ForwardBodySource, ForwardRequest, ForwardResponse } from '../interfaces.js'

/**
 * Builds and validates the request head. Throws ForwardError (`request_too_large` or
 * `protocol_error`) before anything is sent.
 */
export function buildRequestHead(req: ForwardRequest, peerId: string, limits: ForwardLimits): ForwardRequestHead {
  const max = req.body instanceof Uint8Array ? limits.maxBodyBytes : (limits.maxStreamedBodyBytes ?? limits.maxBodyBytes)
  if (req.body.byteLength > max) {
    throw new ForwardError('request_too_large', `request body of ${req.body.byteLength} bytes exceeds ${max}`, peerId)
  }
  const parsed = ForwardRequestHeadSchema.safeParse({
    v: FORWARD_WIRE_VERSION,
    method: req.method,
    path: req.path,
    headers: req.headers,
    requestId: req.requestId,
    hops: req.hops,
    caller: req.caller,
    bodyLength: req.body.byteLength
  })
  if (!parsed.success) {
    throw new ForwardError('protocol_error', `invalid forward request: ${parsed.error.issues[0]?.message ?? 'schema'}`, peerId)
  }
  return parsed.data
}

/**
 * Sends the request on `channel` and resolves at the response head. Owns the stream from here on: it
 * is aborted on any failure. `done` is called exactly once when the exchange is over, with whether the
 * stream can carry another request (the body was read to its END and both sides are still open).
 */
export async function sendForward(
  channel: FrameChannel,
  peerId: string,
  head: ForwardRequestHead,
  body: Uint8Array | ForwardBodySource,
  signal: AbortSignal | undefined,
  done: (reusable: boolean) => void
): Promise<ForwardResponse> {
  const stream = channel.stream
  const onAbort = (): void => stream.abort(toError(signal?.reason, 'forward aborted by caller'))
  signal?.addEventListener('abort', onAbort, { once: true })
  const release = (): void => signal?.removeEventListener('abort', onAbort)

  let responseHead
  let pump: Promise<boolean> = Promise.resolve(true)
  try {
    signal?.throwIfAborted()
    // HEAD and body leave in one write (FrameChannel corks frames queued in one turn)
    channel.writeHead(head)
    let first
    if (body instanceof Uint8Array) {
      if (body.byteLength > 0) channel.writeData(body)
      await channel.drained({ signal })
      first = await channel.read({ signal })
    } else {
      const { promise: failed, reject } = Promise.withResolvers<never>()
      // settles true once the whole body went out; a failure aborts the stream and ends the wait for the head
      pump = writeBody(channel, body, peerId, signal).then(() => true, (err: unknown) => {
        stream.abort(toError(err, 'forward request body failed'))
        reject(err)
        return false
      })
      failed.catch(() => undefined)
      first = await Promise.race([channel.read({ signal }), failed])
    }
    const parsed = first.type === 'head' ? ForwardResponseHeadSchema.safeParse(first.json) : undefined
    if (parsed?.success !== true) {
      throw new ForwardError('protocol_error', 'peer sent an invalid forward response head', peerId)
    }
    responseHead = parsed.data
  } catch (err) {
    release()
    stream.abort(toError(err, 'forward failed'))
    done(false)
    throw toForwardError(err, peerId, signal, 'peer_unreachable')
  }

  return {
    status: responseHead.status,
    headers: responseHead.headers,
    body: readBody(channel, peerId, signal, release, (reusable) => void pump.then((sent) => done(reusable && sent)))
  }
}

/** Writes a streamed request body: exactly `byteLength` bytes from a fresh read of the source. */
async function writeBody(channel: FrameChannel, body: ForwardBodySource, peerId: string, signal: AbortSignal | undefined): Promise<void> {
  let sent = 0
  for await (const chunk of body.open()) {
    sent += chunk.byteLength
    if (sent > body.byteLength) throw new ForwardError('protocol_error', `request body source is longer than its ${body.byteLength} bytes`, peerId)
    if (chunk.byteLength === 0) continue
    channel.writeData(chunk)
    // back-pressure: the next chunk is read only once the stream took this one
    await channel.drained({ signal })
    // a stream closed meanwhile takes nothing more: stop reading the source
    if (channel.stream.writeStatus !== 'writable') throw new ForwardError('peer_unreachable', 'the forward stream closed while the request body was sent', peerId)
  }
  if (sent !== body.byteLength) throw new ForwardError('protocol_error', `request body source ended after ${sent} of ${body.byteLength} bytes`, peerId)
}

async function* readBody(
  channel: FrameChannel,
  peerId: string,
  signal: AbortSignal | undefined,
  release: () => void,
  done: (reusable: boolean) => void
): AsyncGenerator<Uint8Array, void, undefined> {
  let received = 0
  let complete = false
  const maxBodyBytes = channel.limits.maxBodyBytes
  try {
    while (true) {
      let frame
      try {
        frame = await channel.read({ signal })
      } catch (err) {
        throw toForwardError(err, peerId, signal, 'stream_failed')
      }
      if (frame.type === 'data') {
        received += frame.data.byteLength
        if (received > maxBodyBytes) {
          throw new ForwardError('stream_failed', `response body exceeds ${maxBodyBytes} bytes`, peerId)
        }
        yield frame.data
        continue
      }
      const trailer = frame.type === 'end' ? ForwardTrailerSchema.safeParse(frame.json) : undefined
      if (trailer?.success !== true) {
        throw new ForwardError('protocol_error', 'peer sent an invalid frame in the response body', peerId)
      }
      if (!trailer.data.ok) {
        throw new ForwardError('stream_failed', trailer.data.message ?? 'the serving peer failed mid-response', peerId)
      }
      complete = true
      return
    }
  } finally {
    release()
    if (complete) {
      // the exchange is over; the stream goes back to the pool when both sides are still open
      done(channel.reusable)
    } else {
      // Abandoned (break), failed or aborted: reset so the serving node stops generating.
      channel.stream.abort(new Error('forward response abandoned by caller'))
      done(false)
    }
  }
}

function toForwardError(err: unknown, peerId: string, signal: AbortSignal | undefined, fallback: 'peer_unreachable' | 'stream_failed'): ForwardError {
  if (err instanceof ForwardError) return err
  if (signal?.aborted === true) {
    return new ForwardError('aborted', 'forward aborted by caller', peerId, { cause: err })
  }
  if (err instanceof FrameDecodeError) {
    return new ForwardError('protocol_error', err.message, peerId, { cause: err })
  }
  const message = fallback === 'peer_unreachable' ? `peer ${peerId} unreachable` : `forward stream from ${peerId} failed`
  return new ForwardError(fallback, `${message}: ${err instanceof Error ? err.message : String(err)}`, peerId, { cause: err })
}

function toError(value: unknown, fallback: string): Error {
  return value instanceof Error ? value : new Error(fallback)
}
