/**
 * Wire format of `/llmlb/forward/2.0.0` (specs/protocols.md). Every frame is an unsigned-varint length
 * prefix followed by one tag byte and a payload:
 *
 *   HEAD 0x01  JSON: the request head (client → server) or the response head (server → client)
 *   DATA 0x02  raw body bytes
 *   END  0x03  JSON trailer (server → client): how the body ended
 *
 * Request:  HEAD, then DATA frames carrying exactly `bodyLength` bytes.
 * Response: HEAD, DATA frames as the handler produces them (never buffered), END.
 * A stream carries any number of request/response exchanges one after another; the caller closes it
 * (idle) or resets it (cancellation, failure), the server closes it after an idle timeout.
 * A tag byte (rather than relying on end-of-stream) lets the client tell a complete body from a
 * truncated one: a body that stops without END is a failure even if the stream closed cleanly.
 */
import { z } from 'zod'

export const FRAME_HEAD = 0x01
export const FRAME_DATA = 0x02
export const FRAME_END = 0x03

/** Version of the forward frames' JSON; bumps with the protocol id. */
export const FORWARD_WIRE_VERSION = 2

export const ForwardCallerSchema = z.object({
  kind: z.enum(['anonymous', 'api-key', 'user']),
  id: z.string().max(256).optional(),
  scopes: z.array(z.string().max(64)).max(64).optional()
})

const HeadersSchema = z.record(z.string().min(1).max(256), z.string().max(16 * 1024))

/** First frame of a request. */
export const ForwardRequestHeadSchema = z.object({
  v: z.literal(FORWARD_WIRE_VERSION),
  method: z.string().min(1).max(16),
  path: z.string().min(1).max(8 * 1024).startsWith('/'),
  headers: HeadersSchema,
  requestId: z.string().min(1).max(128),
  hops: z.number().int().min(0).max(64),
  caller: ForwardCallerSchema.optional(),
  /** Exact number of body bytes in the DATA frames that follow. */
  bodyLength: z.number().int().nonnegative()
})
export type ForwardRequestHead = z.infer<typeof ForwardRequestHeadSchema>

/** First frame of a response. */
export const ForwardResponseHeadSchema = z.object({
  v: z.literal(FORWARD_WIRE_VERSION),
  status: z.number().int().min(100).max(599),
  headers: HeadersSchema
})
export type ForwardResponseHead = z.infer<typeof ForwardResponseHeadSchema>

/** Last frame of a response: `ok: false` means the body is truncated (handler failed mid-stream). */
export const ForwardTrailerSchema = z.object({
  v: z.literal(FORWARD_WIRE_VERSION),
  ok: z.boolean(),
  message: z.string().max(1024).optional()
})
export type ForwardTrailer = z.infer<typeof ForwardTrailerSchema>

/** A frame the peer sent that cannot be decoded (unknown tag, bad JSON, empty). */
export class FrameDecodeError extends Error {
  static override name = 'FrameDecodeError'
  override name = 'FrameDecodeError'
}

export type DecodedFrame =
  | { type: 'head'; json: unknown }
  | { type: 'data'; data: Uint8Array }
  | { type: 'end'; json: unknown }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Encodes a JSON frame (HEAD or END). Throws RangeError when the frame would exceed `maxBytes`. */
export function encodeJsonFrame(tag: typeof FRAME_HEAD | typeof FRAME_END, value: unknown, maxBytes: number): Uint8Array {
  const json = encoder.encode(JSON.stringify(value))
  if (json.byteLength + 1 > maxBytes) {
    throw new RangeError(`forward frame of ${json.byteLength + 1} bytes exceeds ${maxBytes}`)
  }
  const out = new Uint8Array(json.byteLength + 1)
  out[0] = tag
  out.set(json, 1)
  return out
}

/**
 * Encodes a DATA frame. Copies the chunk: body chunks are small (SSE events) or sliced to
 * MAX_FORWARD_FRAME_BYTES, and a copy costs far less than the pnet cipher applied to the same bytes.
 */
export function encodeDataFrame(chunk: Uint8Array): Uint8Array {
  const out = new Uint8Array(chunk.byteLength + 1)
  out[0] = FRAME_DATA
  out.set(chunk, 1)
  return out
}

/** Decodes one frame payload (length prefix already removed). Throws FrameDecodeError. */
export function decodeFrame(frame: Uint8Array): DecodedFrame {
  if (frame.byteLength === 0) {
    throw new FrameDecodeError('empty forward frame')
  }
  const tag = frame[0] ?? -1
  const payload = frame.subarray(1)
  switch (tag) {
    case FRAME_DATA:
      return { type: 'data', data: payload }
    case FRAME_HEAD:
    case FRAME_END:
      return { type: tag === FRAME_HEAD ? 'head' : 'end', json: parseJson(payload) }
    default:
      throw new FrameDecodeError(`unknown forward frame tag 0x${tag.toString(16)}`)
  }
}

function parseJson(payload: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(payload))
  } catch (err) {
    throw new FrameDecodeError('forward frame is not valid UTF-8 JSON', { cause: err })
  }
}
