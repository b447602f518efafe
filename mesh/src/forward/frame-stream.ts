/**
 * Typed frame I/O over one libp2p stream: length-prefixed (`lpStream`) frames of the forward protocol.
 * Writes honour back-pressure (`lpStream.write` waits for `drain`), so a slow reader slows the
 * producer instead of growing buffers.
 */
import { lpStream } from '@libp2p/utils'
import {
  decodeFrame,
  encodeDataFrame,
  encodeJsonFrame,
  FRAME_END,
  FRAME_HEAD,
  type DecodedFrame
} from '../protocol/forward-frames.js'
import type { AbortOptions, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

/** Size limits applied to one forward stream, in bytes. */
export interface ForwardLimits {
  /** Largest HEAD or END frame. @default MAX_FORWARD_HEAD_BYTES */
  maxHeadBytes: number
  /** Largest request body and largest total response body. @default MAX_FORWARD_BODY_BYTES */
  maxBodyBytes: number
  /** Largest payload of one DATA frame; larger chunks are split. @default MAX_FORWARD_FRAME_BYTES */
  maxFrameBytes: number
}

export class FrameStream {
  readonly stream: Stream
  private readonly lp: LengthPrefixedStream<Stream>
  private readonly limits: ForwardLimits

  constructor(stream: Stream, limits: ForwardLimits) {
    this.stream = stream
    this.limits = limits
    const maxDataLength = Math.max(limits.maxHeadBytes, limits.maxFrameBytes + 1)
    this.lp = lpStream(stream, {
      maxDataLength,
      // Unread bytes are buffered by lpStream until read; the body limit (plus head and trailer) is the
      // most a well-behaved peer can have in flight, more is a protocol violation and aborts the stream.
      maxBufferSize: limits.maxBodyBytes + 2 * limits.maxHeadBytes + 64
    })
  }

  /** Reads one frame; throws on end of stream, reset, oversize or undecodable frames. */
  async read(options?: AbortOptions): Promise<DecodedFrame> {
    const buf = await this.lp.read(options)
    return decodeFrame(buf.subarray())
  }

  async writeHead(head: unknown, options?: AbortOptions): Promise<void> {
    await this.lp.write(encodeJsonFrame(FRAME_HEAD, head, this.limits.maxHeadBytes), options)
  }

  /** Writes a body chunk, split into frames of at most `maxFrameBytes`. */
  async writeData(chunk: Uint8Array, options?: AbortOptions): Promise<void> {
    const max = this.limits.maxFrameBytes
    for (let offset = 0; offset < chunk.byteLength; offset += max) {
      await this.lp.write(encodeDataFrame(chunk.subarray(offset, offset + max)), options)
    }
  }

  async writeEnd(trailer: unknown, options?: AbortOptions): Promise<void> {
    await this.lp.write(encodeJsonFrame(FRAME_END, trailer, this.limits.maxHeadBytes), options)
  }
}
