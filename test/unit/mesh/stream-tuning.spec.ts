/**
 * The two per-message savings of `tuneLibp2pStreams` (mesh/src/transport/stream-tuning.ts), on the
 * real libp2p classes: the length-prefixed decoder still yields exactly the frames of any split input
 * without asking its length function about an empty buffer, and a yamux stream receiving many small
 * messages grants window back a few times instead of once per message, with no byte lost or reordered
 * even when the reader pauses.
 */
import { randomBytes } from 'node:crypto'
import { LengthPrefixedDecoder, multiaddrConnectionPair } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import type { Stream } from '@libp2p/interface'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import { beforeAll, describe, expect, it } from 'vitest'
import '../../../mesh/src/polyfill.js'
import { tuneLibp2pStreams } from '../../../mesh/src/transport/stream-tuning.js'
import { within } from '../../helpers/within.js'

beforeAll(() => tuneLibp2pStreams())

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

describe('yamux window updates', () => {
  async function pair(): Promise<{ sender: Stream; receiver: Promise<Stream>; receiverWrites: () => number }> {
    const [a, b] = multiaddrConnectionPair()
    let writes = 0
    const send = b.send.bind(b)
    b.send = (data) => {
      writes++
      return send(data)
    }
    const client = yamux()().createStreamMuxer(a)
    const server = yamux()().createStreamMuxer(b)
    const receiver = new Promise<Stream>((resolve) => server.addEventListener('stream', (evt) => resolve(evt.detail)))
    const sender = await client.createStream()
    return { sender, receiver, receiverWrites: () => writes }
  }

  it('grants window a few times, not once per message', async () => {
    const { sender, receiver, receiverWrites } = await pair()
    const messages = 400
    sender.send(new Uint8Array(1))
    const stream = await receiver
    let received = 0
    const all = new Promise<void>((resolve) =>
      stream.addEventListener('message', (evt) => {
        received += evt.data.byteLength
        if (received >= messages * 1024) resolve()
      })
    )
    const before = receiverWrites()
    for (let i = 0; i < messages; i++) if (!sender.send(new Uint8Array(1024))) await new Promise((r) => sender.addEventListener('drain', r, { once: true }))
    await within(all, 'every message received')
    // 400 KiB through a 256 KiB window: a grant per half window used (before: one per message)
    expect(receiverWrites() - before).toBeGreaterThan(0)
    expect(receiverWrites() - before).toBeLessThan(10)
  })

  it('keeps every byte in order through a reader that pauses', async () => {
    const { sender, receiver } = await pair()
    const data = randomBytes(3 * 1024 * 1024)
    const got: Buffer[] = []
    let size = 0
    const writing = (async () => {
      for (let at = 0; at < data.byteLength; at += 48 * 1024) if (!sender.send(data.subarray(at, at + 48 * 1024))) await new Promise((r) => sender.addEventListener('drain', r, { once: true }))
    })()
    const stream = await receiver
    const done = new Promise<void>((resolve) =>
      stream.addEventListener('message', (evt) => {
        const b = Buffer.from(evt.data instanceof Uint8Array ? evt.data : evt.data.subarray())
        got.push(b)
        size += b.byteLength
        // pause after every ~512 KiB, resume on the next turn
        if (got.length % 12 === 0) {
          stream.pause()
          setImmediate(() => stream.resume())
        }
        if (size === data.byteLength) resolve()
      })
    )
    await within(Promise.all([writing, done]), 'the whole transfer')
    expect(Buffer.concat(got).equals(data)).toBe(true)
  })
})
