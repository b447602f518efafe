/**
 * A per-message cost of the libp2p stack, removed where it arises (found profiling the worker tunnel,
 * specs/sharding.md): Noise's frame decoder (`LengthPrefixedDecoder` of @libp2p/utils) learns that
 * its buffer is used up when its length function throws a RangeError. Every message received
 * therefore ended in a new Error with a captured stack trace, about a tenth of a tunnel's CPU. The
 * length function of each decoder is wrapped so that an empty buffer throws one preallocated
 * RangeError instead (the decoder only checks the error's class). What is decoded does not change.
 *
 * Applied once per process, to the class libp2p itself loads.
 */
import { LengthPrefixedDecoder } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

type LengthDecoder = (data: Uint8ArrayList | Uint8Array) => number
interface DecoderFields {
  lengthDecoder: LengthDecoder
}

/** Thrown for "no bytes yet": allocated once, so no stack is captured per message. */
const NEED_MORE = new RangeError('need more bytes to read a length')
const WRAPPED = Symbol('llmlb.wrappedLengthDecoder')

let applied = false

export function tuneFrameDecoder(): void {
  if (applied) return
  applied = true
  const proto = LengthPrefixedDecoder.prototype as unknown as { decode(this: DecoderFields, buf: Uint8ArrayList | Uint8Array): Generator<Uint8ArrayList> }
  const decode = proto.decode
  proto.decode = function (this: DecoderFields & { [WRAPPED]?: true }, buf) {
    if (this[WRAPPED] !== true) {
      const inner = this.lengthDecoder
      this.lengthDecoder = (data) => {
        if (data.byteLength === 0) throw NEED_MORE
        return inner(data)
      }
      this[WRAPPED] = true
    }
    return decode.call(this, buf)
  }
}
