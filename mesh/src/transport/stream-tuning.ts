/**
 * Two per-message costs of the libp2p stack, removed where they arise. Neither changes what is sent
 * or in which order; they change how much work each message costs (found profiling the worker tunnel,
 * specs/sharding.md):
 *
 * 1. Noise's frame decoder (`LengthPrefixedDecoder` of @libp2p/utils) learns that its buffer is used up
 *    when its length function throws a RangeError. Every message received therefore ended in a new
 *    Error with a captured stack trace, about a tenth of a tunnel's CPU. The length function of each
 *    decoder is wrapped so that an empty buffer throws one preallocated RangeError instead (the decoder
 *    only checks the error's class).
 * 2. yamux granted window back after every data frame it received: one more frame each way per message
 *    (framed, encrypted twice, one more socket write at both ends). A stream now grants window once
 *    half of it is used, as the reference implementation (hashicorp/yamux) does. The sender never has
 *    less than half a window (128 KiB by default) before the next grant; opening, pausing and closing
 *    a stream still send their updates at once.
 *
 * Applied once per process, to the module instances libp2p itself loads.
 */
import { LengthPrefixedDecoder } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

type LengthDecoder = (data: Uint8ArrayList | Uint8Array) => number
interface DecoderFields {
  lengthDecoder: LengthDecoder
}
interface YamuxStreamFields {
  state: number
  recvWindow: number
  recvWindowCapacity: number
  sendWindowUpdate(): void
}

/** Thrown for "no bytes yet": allocated once, so no stack is captured per message. */
const NEED_MORE = new RangeError('need more bytes to read a length')
const WRAPPED = Symbol('llmlb.wrappedLengthDecoder')

let applied: Promise<void> | undefined

export function tuneLibp2pStreams(): Promise<void> {
  applied ??= apply()
  return applied
}

async function apply(): Promise<void> {
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

  // the module yamux's own muxer imports (same URL, so the same class)
  const streamModule = new URL('./stream.js', import.meta.resolve('@libp2p/yamux')).href
  const { YamuxStream, StreamState } = (await import(streamModule)) as { YamuxStream?: { prototype: YamuxStreamFields }; StreamState?: { Established?: number } }
  const established = StreamState?.Established
  const stream = YamuxStream?.prototype
  if (stream === undefined || typeof stream.sendWindowUpdate !== 'function' || established === undefined) return
  const send = stream.sendWindowUpdate
  stream.sendWindowUpdate = function (this: YamuxStreamFields) {
    if (this.state === established && this.recvWindow - this.recvWindowCapacity < this.recvWindow / 2) return
    send.call(this)
  }
}
