/**
 * `tuneFrameDecoder` (mesh/src/transport/decoder-tuning.ts) on the real libp2p class: the
 * length-prefixed decoder still yields exactly the frames of any split input, without asking its
 * length function about an empty buffer (which made it throw a new error per message).
 */
import { LengthPrefixedDecoder } from '@libp2p/utils'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import { beforeAll, describe, expect, it } from 'vitest'
import '../../../mesh/src/polyfill.js'
import { tuneFrameDecoder } from '../../../mesh/src/transport/decoder-tuning.js'

beforeAll(() => tuneFrameDecoder())

/** Frames with a 2-byte big-endian length prefix, as Noise sends them. */
function framed(frames: Uint8Array[]): Buffer {
  return Buffer.concat(frames.flatMap((f) => [Buffer.from([f.byteLength >> 8, f.byteLength & 255]), Buffer.from(f)]))
}

describe('length-prefixed decoder', () => {
  it('yields exactly the frames of any split, and never decodes a length from an empty buffer', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (frames, cuts) => {
        const wire = framed(frames)
        let emptyAsks = 0
        const decoder = new LengthPrefixedDecoder({
          lengthDecoder: (data: Uint8ArrayList | Uint8Array) => {
            if (data.byteLength === 0) emptyAsks++
            if (data.byteLength < 2) throw new RangeError('short')
            return data instanceof Uint8Array ? (data[0]! << 8) | data[1]! : data.getUint16(0)
          },
          encodingLength: () => 2
        })
        const at = [...new Set(cuts.map((c) => c % (wire.byteLength + 1)))].sort((x, y) => x - y)
        const out: Buffer[] = []
        let from = 0
        for (const to of [...at, wire.byteLength]) {
          for (const f of decoder.decode(wire.subarray(from, to))) out.push(Buffer.from(f.subarray()))
          from = to
        }
        expect(out).toEqual(frames.map((f) => Buffer.from(f)))
        expect(emptyAsks).toBe(0)
      })
    )
  })
})
