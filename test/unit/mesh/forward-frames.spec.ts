import { describe, expect, it } from 'vitest'
import {
  decodeFrame,
  encodeDataFrame,
  encodeJsonFrame,
  FRAME_END,
  FRAME_HEAD,
  ForwardRequestHeadSchema,
  ForwardResponseHeadSchema,
  ForwardTrailerSchema,
  FrameDecodeError,
  FORWARD_WIRE_VERSION as v
} from '../../../mesh/src/protocol/forward-frames.js'

const head = {
  v,
  method: 'POST',
  path: '/v1/chat/completions?x=1',
  headers: { 'content-type': 'application/json' },
  requestId: 'abc',
  hops: 1,
  caller: { kind: 'user', id: 'u1', scopes: ['admin'] },
  bodyLength: 12
}

describe('forward frames', () => {
  it('round-trips head, data and end frames', () => {
    const h = decodeFrame(encodeJsonFrame(FRAME_HEAD, head, 1024))
    expect(h).toEqual({ type: 'head', json: head })
    const d = decodeFrame(encodeDataFrame(new Uint8Array([1, 2, 3])))
    expect(d.type).toBe('data')
    expect(d.type === 'data' && [...d.data]).toEqual([1, 2, 3])
    expect(decodeFrame(encodeJsonFrame(FRAME_END, { v, ok: true }, 1024))).toEqual({ type: 'end', json: { v, ok: true } })
    const empty = decodeFrame(encodeDataFrame(new Uint8Array(0)))
    expect(empty.type === 'data' && empty.data.byteLength).toBe(0)
  })

  it('refuses to encode a JSON frame over the limit', () => {
    expect(() => encodeJsonFrame(FRAME_HEAD, { big: 'x'.repeat(100) }, 50)).toThrow(RangeError)
  })

  it('rejects empty frames, unknown tags and bad JSON', () => {
    expect(() => decodeFrame(new Uint8Array(0))).toThrow(FrameDecodeError)
    expect(() => decodeFrame(new Uint8Array([0x09, 1]))).toThrow(/unknown forward frame tag 0x9/)
    expect(() => decodeFrame(new Uint8Array([FRAME_HEAD, 0x7b]))).toThrow(FrameDecodeError)
    expect(() => decodeFrame(new Uint8Array([FRAME_END, 0xff, 0xfe]))).toThrow(FrameDecodeError)
  })

  it('validates request heads', () => {
    expect(ForwardRequestHeadSchema.safeParse(head).success).toBe(true)
    const bad = [
      { ...head, v: v + 1 },
      { ...head, v: v - 1 },
      { ...head, path: 'v1/no-slash' },
      { ...head, hops: -1 },
      { ...head, hops: 1.5 },
      { ...head, bodyLength: -1 },
      { ...head, requestId: '' },
      { ...head, method: '' },
      { ...head, headers: { 'x-big': 'x'.repeat(20_000) } },
      { ...head, caller: { kind: 'root' } },
      { ...head, bodyLength: undefined }
    ]
    for (const b of bad) expect(ForwardRequestHeadSchema.safeParse(b).success, JSON.stringify(b).slice(0, 80)).toBe(false)
  })

  it('validates response heads and trailers', () => {
    expect(ForwardResponseHeadSchema.safeParse({ v, status: 200, headers: {} }).success).toBe(true)
    expect(ForwardResponseHeadSchema.safeParse({ v, status: 99, headers: {} }).success).toBe(false)
    expect(ForwardResponseHeadSchema.safeParse({ v, status: 200 }).success).toBe(false)
    expect(ForwardTrailerSchema.safeParse({ v, ok: false, message: 'x' }).success).toBe(true)
    expect(ForwardTrailerSchema.safeParse({ v: 1 }).success).toBe(false)
  })
})
