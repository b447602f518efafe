import { describe, expect, it } from 'vitest'
import { StreamState } from '@libp2p/yamux/stream'
import { windowUpdateDue } from '../../../mesh/src/transport/yamux-tuning.js'

const ESTABLISHED = StreamState.Established
const WINDOW = 256 * 1024

describe('yamux window updates at half use', () => {
  it('an established stream grants window only once the sender has used half of it', () => {
    expect(windowUpdateDue({ state: ESTABLISHED, recvWindow: WINDOW, recvWindowCapacity: WINDOW })).toBe(false)
    expect(windowUpdateDue({ state: ESTABLISHED, recvWindow: WINDOW, recvWindowCapacity: WINDOW - 64 })).toBe(false)
    expect(windowUpdateDue({ state: ESTABLISHED, recvWindow: WINDOW, recvWindowCapacity: WINDOW / 2 + 1 })).toBe(false)
    expect(windowUpdateDue({ state: ESTABLISHED, recvWindow: WINDOW, recvWindowCapacity: WINDOW / 2 })).toBe(true)
    expect(windowUpdateDue({ state: ESTABLISHED, recvWindow: WINDOW, recvWindowCapacity: 0 })).toBe(true)
  })

  it('a stream not yet established (its ACK rides on the update), paused or finished goes to yamux as before', () => {
    for (const state of [StreamState.Init, StreamState.SYNSent, StreamState.SYNReceived, StreamState.Finished, StreamState.Paused]) expect(windowUpdateDue({ state, recvWindow: WINDOW, recvWindowCapacity: WINDOW })).toBe(true)
  })
})
