/**
 * Frame I/O of the forward protocol on one libp2p stream that carries many exchanges, one after another.
 *
 * Why not `lpStream`: a forwarded request is a handful of small frames, and on this path the fixed
 * cost per frame dominates. Every `stream.send()` becomes its own yamux frame, Noise and pnet encryption
 * and socket write, and every window update the peer sends back is one more of each. So:
 * - writes are corked: frames written in the same turn of the event loop leave in ONE `send()`, flushed
 *   on `setImmediate`. A request (HEAD + body) and a non-stream response (HEAD, DATA, END) each cost one
 *   write; an SSE chunk still leaves in the same turn it was produced.
 * - reads are event driven: bytes from 'message' events are appended to one list and cut into frames
 *   as they complete, instead of awaiting the varint byte by byte.
 * - reads are bounded: when more than `readAheadBytes` of decoded DATA wait unread (a handler reading a
 *   streamed upload slower than it arrives, a slow consumer of a response), the stream is paused, so
 *   yamux stops granting the sender window and the sender's writes wait for a drain; it resumes once
 *   the reader caught up (through a `ReadGate`: a pause from inside a resume must outlast it).
 */
import { Uint8ArrayList } from 'uint8arraylist'
import * as varint from 'uint8-varint'
import { decodeFrame, encodeDataFrame, encodeJsonFrame, FRAME_END, FRAME_HEAD, FrameDecodeError, type DecodedFrame } from '../protocol/forward-frames.js'
import type { AbortOptions, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { nextDrain } from '../transport/next-drain.js'
import { ReadGate } from '../transport/read-gate.js'
import { MAX_FORWARD_BODY_BYTES, MAX_FORWARD_FRAME_BYTES, MAX_FORWARD_HEAD_BYTES, MAX_FORWARD_STREAMED_BODY_BYTES, PAUSED_READ_BUFFER_BYTES } from '../constants.js'

/** Size limits applied to one forward stream, in bytes. */
export interface ForwardLimits {
  /** Largest HEAD or END frame. @default MAX_FORWARD_HEAD_BYTES */
  maxHeadBytes: number
  /** Largest request body and largest total response body. @default MAX_FORWARD_BODY_BYTES */
  maxBodyBytes: number
  /** Largest payload of one DATA frame; larger chunks are split. @default MAX_FORWARD_FRAME_BYTES */
  maxFrameBytes: number
  /** Largest request body streamed to a handler (streamed paths only). @default MAX_FORWARD_STREAMED_BODY_BYTES */
  maxStreamedBodyBytes?: number
}

/** The limits with the defaults filled in. */
export function resolveForwardLimits(l: Partial<ForwardLimits> = {}): ForwardLimits {
  return {
    maxHeadBytes: l.maxHeadBytes ?? MAX_FORWARD_HEAD_BYTES,
    maxBodyBytes: l.maxBodyBytes ?? MAX_FORWARD_BODY_BYTES,
    maxFrameBytes: l.maxFrameBytes ?? MAX_FORWARD_FRAME_BYTES,
    maxStreamedBodyBytes: l.maxStreamedBodyBytes ?? MAX_FORWARD_STREAMED_BODY_BYTES
  }
}

/** Unread DATA frames a channel holds before it pauses the stream, in frames of `maxFrameBytes`. */
export const READ_AHEAD_FRAMES = 4


/** The stream ended (closed by the peer, reset, or aborted) while a frame was awaited. */
export class StreamEndedError extends Error {
  static override name = 'StreamEndedError'
  override name = 'StreamEndedError'
}

interface Waiter {
  resolve(frame: DecodedFrame): void
  reject(err: Error): void
}

export class FrameChannel {
  readonly stream: Stream
  readonly limits: ForwardLimits
  private readonly maxFrameLength: number
  /** Unread bytes: a well-behaved peer never has more in flight than one body plus two JSON frames. */
  private readonly maxBuffered: number
  private readonly inbox = new Uint8ArrayList()
  private readonly frames: DecodedFrame[] = []
  private waiter: Waiter | undefined
  private ended: Error | undefined
  /** Unread DATA bytes in `frames`; past `readAheadBytes` the stream is paused. */
  private queuedBytes = 0
  private readonly readAheadBytes: number
  private readonly reading: ReadGate
  private outbox: Uint8Array[] = []
  private outboxBytes = 0
  private flushScheduled = false

  constructor(stream: Stream, limits: ForwardLimits) {
    this.stream = stream
    this.limits = limits
    this.maxFrameLength = Math.max(limits.maxHeadBytes, limits.maxFrameBytes + 1)
    // a resumed stream hands over what it kept while paused in one message
    this.maxBuffered = Math.max(limits.maxBodyBytes, PAUSED_READ_BUFFER_BYTES) + 2 * limits.maxHeadBytes + 64
    this.readAheadBytes = READ_AHEAD_FRAMES * limits.maxFrameBytes
    this.reading = new ReadGate(stream)
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, PAUSED_READ_BUFFER_BYTES)
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    stream.addEventListener('close', this.onClose)
  }

  /** True while both directions are open: the channel can carry another exchange. */
  get reusable(): boolean {
    return this.ended === undefined && this.stream.status === 'open' && this.stream.writeStatus === 'writable' &&
      this.stream.remoteWriteStatus === 'writable' && this.frames.length === 0 && this.inbox.byteLength === 0
  }

  /**
   * The next frame. Rejects with StreamEndedError when the stream ends first, FrameDecodeError on a
   * malformed frame, or the signal's reason. A frame that arrives after an abandoned read is kept.
   */
  read(options?: AbortOptions): Promise<DecodedFrame> {
    const ready = this.frames.shift()
    if (ready !== undefined) {
      if (ready.type === 'data') this.queuedBytes -= ready.data.byteLength
      // the reader caught up: let the sender go on
      if (this.queuedBytes <= this.readAheadBytes / 2) this.reading.resume()
      return Promise.resolve(ready)
    }
    if (this.ended !== undefined) return Promise.reject(this.ended)
    if (this.waiter !== undefined) return Promise.reject(new Error('concurrent reads on one forward stream'))
    const signal = options?.signal
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    const { promise, resolve, reject } = Promise.withResolvers<DecodedFrame>()
    const onAbort = (): void => {
      this.waiter = undefined
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    this.waiter = {
      resolve: (f) => { signal?.removeEventListener('abort', onAbort); resolve(f) },
      reject: (e) => { signal?.removeEventListener('abort', onAbort); reject(e) }
    }
    return promise
  }

  writeHead(head: unknown): void {
    this.queue(encodeJsonFrame(FRAME_HEAD, head, this.limits.maxHeadBytes))
  }

  /** Queues a body chunk, split into DATA frames of at most `maxFrameBytes`. */
  writeData(chunk: Uint8Array): void {
    const max = this.limits.maxFrameBytes
    for (let offset = 0; offset < chunk.byteLength; offset += max) this.queue(encodeDataFrame(chunk.subarray(offset, offset + max)))
  }

  writeEnd(trailer: unknown): void {
    this.queue(encodeJsonFrame(FRAME_END, trailer, this.limits.maxHeadBytes))
  }

  /**
   * Resolves once what was queued is handed to the stream and the stream can take more (back-pressure:
   * a slow reader slows the producer instead of growing buffers). Rejects if the stream is gone.
   */
  async drained(options?: AbortOptions): Promise<void> {
    this.flush()
    // not `stream.onDrain()`: libp2p keeps its first drain promise, resolved, for every later call,
    // so a writer awaiting it again would never wait; each 'drain' event is awaited instead
    while (this.stream.writableNeedsDrain) await nextDrain(this.stream, options?.signal, () => new StreamEndedError('the forward stream closed'))
  }

  /** Unread DATA bytes held here (for tests of the read-ahead bound). */
  get unreadBytes(): number {
    return this.queuedBytes
  }

  /** Stops listening; the stream itself is left as it is. */
  detach(): void {
    this.stream.removeEventListener('message', this.onMessage)
    this.stream.removeEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    this.stream.removeEventListener('close', this.onClose)
  }

  private queue(frame: Uint8Array): void {
    if (this.ended !== undefined) throw this.ended
    this.outbox.push(varint.encode(frame.byteLength), frame)
    this.outboxBytes += frame.byteLength
    // a producer that queues a lot in one turn (a large body) does not wait for the next turn
    if (this.outboxBytes >= this.limits.maxFrameBytes) this.flush()
    else if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(this.flush)
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false
    if (this.outbox.length === 0) return
    const out = new Uint8ArrayList(...this.outbox)
    this.outbox = []
    this.outboxBytes = 0
    if (this.ended !== undefined || this.stream.writeStatus !== 'writable') return
    try {
      // returns false when the muxer wants a drain; `drained()` waits for it
      this.stream.send(out)
    } catch (err) {
      this.stream.abort(err instanceof Error ? err : new Error('forward stream send failed'))
    }
  }

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    this.inbox.append(evt.data)
    if (this.inbox.byteLength > this.maxBuffered) {
      this.stream.abort(new FrameDecodeError(`peer sent more than ${this.maxBuffered} unread bytes`))
      return
    }
    try {
      this.cutFrames()
    } catch (err) {
      this.fail(err as Error)
      this.stream.abort(err as Error)
    }
  }

  private cutFrames(): void {
    while (this.inbox.byteLength > 0) {
      let length: number
      try {
        length = varint.decode(this.inbox)
      } catch (err) {
        if (err instanceof RangeError && this.inbox.byteLength < 8) return // the varint is incomplete
        throw new FrameDecodeError('invalid forward frame length', { cause: err })
      }
      if (length > this.maxFrameLength) throw new FrameDecodeError(`forward frame of ${length} bytes exceeds ${this.maxFrameLength}`)
      const prefix = varint.encodingLength(length)
      if (this.inbox.byteLength < prefix + length) return
      const payload = this.inbox.subarray(prefix, prefix + length)
      this.inbox.consume(prefix + length)
      this.deliver(decodeFrame(payload))
    }
  }

  private deliver(frame: DecodedFrame): void {
    const w = this.waiter
    if (w !== undefined) {
      this.waiter = undefined
      w.resolve(frame)
    } else {
      this.frames.push(frame)
      if (frame.type !== 'data') return
      this.queuedBytes += frame.data.byteLength
      if (this.queuedBytes > this.readAheadBytes) this.reading.pause()
    }
  }

  private fail(err: Error): void {
    if (this.ended !== undefined) return
    this.ended = err
    const w = this.waiter
    this.waiter = undefined
    w?.reject(err)
  }

  private readonly onRemoteCloseWrite = (): void => {
    this.fail(new StreamEndedError('the peer closed the forward stream'))
  }

  private readonly onClose = (evt: StreamCloseEvent): void => {
    this.fail(evt.error ?? new StreamEndedError('the forward stream closed'))
  }
}
