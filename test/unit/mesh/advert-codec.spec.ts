import { describe, expect, it } from 'vitest'
import { decodeAdvert, encodeAdvert } from '../../../mesh/src/broadcast/advert-codec.js'
import { MAX_NODE_STATE_BYTES, type NodeState } from '../../../mesh/src/protocol/node-state.js'

const state: NodeState = {
  v: 1, seq: 42, peerId: '12D3KooWpeer', name: 'box', version: '1', httpUrl: 'http://10.0.0.5:32768', status: 'alive', startedAt: 1,
  models: [], cpu: { cores: 1, load1: 0 }, memory: { totalBytes: 1, freeBytes: 1 }, gpus: [], inFlight: 0, prefixes: {},
  addrs: ['/ip4/10.0.0.5/tcp/32769/p2p/12D3KooWpeer']
}
const enc = new TextEncoder()

describe('advert codec', () => {
  it('round-trips a valid advert signed by its own peer', () => {
    expect(decodeAdvert(encodeAdvert(state), state.peerId)).toEqual({ ok: true, state })
  })

  it('fills defaults and strips unknown keys (newer agents may add fields)', () => {
    const { gpus, inFlight, prefixes, addrs, ...minimal } = state
    const result = decodeAdvert(enc.encode(JSON.stringify({ ...minimal, futureField: { x: 1 } })), state.peerId)
    expect(result.ok && result.state).toEqual({ ...minimal, gpus: [], inFlight: 0, prefixes: {} })
  })

  it('drops unsigned, oversized, non-JSON, invalid and impersonating adverts with a reason', () => {
    const cases: Array<[Uint8Array, string | undefined, string]> = [
      [encodeAdvert(state), undefined, 'unsigned'],
      [new Uint8Array(MAX_NODE_STATE_BYTES + 1), state.peerId, 'oversized'],
      [enc.encode('{not json'), state.peerId, 'not_json'],
      [new Uint8Array([0xff, 0xfe, 0x7b]), state.peerId, 'not_json'],
      [enc.encode(JSON.stringify({ ...state, v: 2 })), state.peerId, 'invalid'],
      [enc.encode(JSON.stringify({ ...state, seq: -1 })), state.peerId, 'invalid'],
      [enc.encode(JSON.stringify({ ...state, status: 'zombie' })), state.peerId, 'invalid'],
      [enc.encode('null'), state.peerId, 'invalid'],
      [encodeAdvert(state), '12D3KooWother', 'peer_mismatch']
    ]
    for (const [data, from, reason] of cases) {
      const result = decodeAdvert(data, from)
      expect(result.ok).toBe(false)
      expect(!result.ok && result.reason).toBe(reason)
    }
  })

  it('refuses to encode an advert over the limit', () => {
    expect(() => encodeAdvert({ ...state, name: 'x'.repeat(100) }, 100)).toThrow(RangeError)
  })
})
