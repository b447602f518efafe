/**
 * The read gate on a real yamux stream (its muxer replaced by a list of the frames it would send): a
 * consumer that fills up again while a resume hands it the buffered bytes leaves the stream paused,
 * so no window is granted for what arrives next; plain libp2p `resume()` would leave it granting.
 */
import { defaultLogger } from '@libp2p/logger'
import { StreamState, YamuxStream } from '@libp2p/yamux/stream'
import { describe, expect, it } from 'vitest'
import * as varint from 'uint8-varint'
import { ReadGate } from '../../../mesh/src/transport/read-gate.js'
import { FrameChannel, READ_AHEAD_FRAMES, resolveForwardLimits } from '../../../mesh/src/forward/frame-channel.js'
import { encodeDataFrame } from '../../../mesh/src/protocol/forward-frames.js'
import type { Uint8ArrayList } from 'uint8arraylist'

const WINDOW = 256 * 1024
/** yamux's frame types (its `FrameType` is not among the package's exports). */
const FrameType = { Data: 0, WindowUpdate: 1 }

interface Sent { type: number; length: number }

/** An established inbound stream whose outgoing frames are collected in `sent`. */
function stream(): { s: YamuxStream; sent: Sent[]; arrive(bytes: number | Uint8Array): void } {
  const sent: Sent[] = []
  const s = new YamuxStream({
    streamId: 2,
    state: StreamState.Established,
    direction: 'inbound',
    log: defaultLogger().forComponent('test:read-gate'),
    sendFrame: (header: { type: number; length: number }) => { sent.push({ type: header.type, length: header.length }); return true },
    getRTT: () => -1
  } as unknown as ConstructorParameters<typeof YamuxStream>[0])
  const arrive = (bytes: number | Uint8Array): void => {
    const data = typeof bytes === 'number' ? new Uint8Array(bytes) : bytes
    s.handleData({ header: { type: FrameType.Data, flag: 0, streamID: 2, length: data.byteLength }, data } as unknown as Parameters<YamuxStream['handleData']>[0])
  }
  return { s, sent, arrive }
}

const updates = (sent: Sent[]): number => sent.filter(f => f.type === FrameType.WindowUpdate).length

/** A consumer that holds `room` bytes and pauses (through `pause`) once it has more. */
function consumer(s: YamuxStream, room: number, pause: () => void): { held: () => number } {
  let held = 0
  s.addEventListener('message', (evt) => {
    held += (evt.data as Uint8Array | Uint8ArrayList).byteLength
    if (held > room) pause()
  })
  return { held: () => held }
}

describe('read gate', () => {
  it('a pause asked for while a resume hands over the buffer holds: nothing more is granted', () => {
    const { s, sent, arrive } = stream()
    const gate = new ReadGate(s)
    const c = consumer(s, 1024, () => gate.pause())
    arrive(2048) // delivered at once: over the consumer's room, so it pauses
    expect(s.readStatus).toBe('paused')
    arrive(WINDOW - 2048) // the rest of the window waits in the stream
    expect(c.held()).toBe(2048)
    gate.resume() // hands over the whole window; the consumer is full again and pauses inside
    expect(c.held()).toBe(WINDOW)
    expect(s.readStatus).toBe('paused')
    expect(s.state).toBe(StreamState.Paused)
    // the resume granted one window; what the sender sends into it is kept, and earns no more window
    const granted = updates(sent)
    expect(granted).toBe(1)
    arrive(WINDOW)
    expect(updates(sent)).toBe(granted)
    expect(s.readBufferLength).toBe(WINDOW)
  })

  it('without the gate, libp2p leaves such a stream granting window while it reads nothing', () => {
    const { s, sent, arrive } = stream()
    consumer(s, 1024, () => s.pause())
    arrive(2048)
    arrive(WINDOW - 2048)
    s.resume()
    expect(s.readStatus).toBe('paused')
    expect(s.state).toBe(StreamState.Established)
    const granted = updates(sent)
    arrive(WINDOW)
    expect(updates(sent)).toBeGreaterThan(granted)
  })

  it('a resume with room to spare keeps reading; pause and resume on a stream not in that state do nothing', () => {
    const { s, arrive } = stream()
    const gate = new ReadGate(s)
    const c = consumer(s, 10 * WINDOW, () => gate.pause())
    gate.resume()
    expect(s.readStatus).toBe('readable')
    gate.pause()
    gate.pause()
    expect(s.readStatus).toBe('paused')
    arrive(4096)
    gate.resume()
    expect(c.held()).toBe(4096)
    expect(s.readStatus).toBe('readable')
    expect(s.state).toBe(StreamState.Established)
  })

  it('a forward channel whose reader catches up and falls behind again in one resume stays paused', async () => {
    const { s, sent, arrive } = stream()
    const limits = resolveForwardLimits({ maxFrameBytes: 1024 })
    const channel = new FrameChannel(s, limits)
    /** `n` DATA frames of a full 1024 bytes, as the sender puts them on the wire. */
    const frames = (n: number): Uint8Array => Buffer.concat(Array.from({ length: n }, () => {
      const payload = encodeDataFrame(new Uint8Array(1024))
      return Buffer.concat([varint.encode(payload.byteLength), payload])
    }))
    arrive(frames(2 * READ_AHEAD_FRAMES)) // twice the read-ahead, unread: the channel pauses
    expect(s.readStatus).toBe('paused')
    arrive(frames(64)) // kept by the stream
    // the reader takes frames until the channel resumes: it gets the 64 kept ones and is behind again
    for (let i = 0; i < 2 * READ_AHEAD_FRAMES && s.readBufferLength > 0; i++) await channel.read()
    expect(s.readBufferLength).toBe(0)
    expect(s.readStatus).toBe('paused')
    expect(s.state).toBe(StreamState.Paused)
    const granted = updates(sent)
    arrive(frames(64))
    expect(updates(sent)).toBe(granted)
  })
})
