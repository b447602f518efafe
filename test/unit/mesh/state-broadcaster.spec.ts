import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { StateBroadcaster, type LocalNodeState } from '../../../mesh/src/broadcast/state-broadcaster.js'
import type { NodeState } from '../../../mesh/src/protocol/node-state.js'

const local: LocalNodeState = {
  v: 1, name: 'box', version: '1', httpUrl: 'http://x', status: 'alive', startedAt: 0,
  models: [], cpu: { cores: 1, load1: 0 }, memory: { totalBytes: 1, freeBytes: 1 }, gpus: [], inFlight: 0, prefixes: {}
}
const dec = new TextDecoder()

function setup(init: { seqSeed?: number } = {}) {
  const sent: NodeState[] = []
  const b = new StateBroadcaster(
    { publish: async data => { sent.push(JSON.parse(dec.decode(data)) as NodeState) }, logger: pino({ level: 'silent' }) },
    { peerId: 'me', heartbeatIntervalMs: 1_000, coalesceWindowMs: 100, decorate: () => ({ addrs: ['/ip4/1.2.3.4/tcp/1'] }), ...init }
  )
  return { b, sent }
}

beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
afterEach(() => { vi.useRealTimers() })

describe('StateBroadcaster', () => {
  it('publishes nothing before a local state exists', async () => {
    const { b, sent } = setup()
    b.start()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(sent).toEqual([])
  })

  it('publishes the first state at once, then coalesces changes to one advert per window', async () => {
    const { b, sent } = setup()
    b.start()
    b.setLocalState(local)
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toHaveLength(1)
    for (let i = 1; i <= 5; i++) {
      b.setLocalState({ ...local, inFlight: i })
      await vi.advanceTimersByTimeAsync(10)
    }
    expect(sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(50)
    expect(sent).toHaveLength(2)
    expect(sent[1]?.inFlight).toBe(5)
    expect(sent[1]).toMatchObject({ peerId: 'me', addrs: ['/ip4/1.2.3.4/tcp/1'] })
  })

  it('re-publishes as a heartbeat every interval with strictly increasing seq', async () => {
    const { b, sent } = setup()
    b.setLocalState(local)
    b.start()
    await vi.advanceTimersByTimeAsync(3_500)
    expect(sent).toHaveLength(4)
    const seqs = sent.map(s => s.seq)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect(new Set(seqs).size).toBe(seqs.length)
    expect(b.published).toBe(4)
  })

  it('seeds seq from the clock so a restarted node beats its previous life', async () => {
    const first = setup()
    first.b.setLocalState(local)
    first.b.start()
    await vi.advanceTimersByTimeAsync(10_000)
    first.b.stop()
    const last = first.sent.at(-1)?.seq ?? Infinity
    vi.advanceTimersByTime(1)
    const second = setup()
    second.b.setLocalState(local)
    second.b.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(second.sent[0]?.seq).toBeGreaterThan(last)
    second.b.stop()
  })

  it('leave() publishes status leaving at once and keeps it in later adverts', async () => {
    const { b, sent } = setup()
    b.setLocalState(local)
    b.start()
    await vi.advanceTimersByTimeAsync(0)
    b.setLocalState({ ...local, inFlight: 1 })
    await b.leave()
    expect(sent.at(-1)?.status).toBe('leaving')
    b.setLocalState({ ...local, status: 'alive' })
    await vi.advanceTimersByTimeAsync(2_000)
    expect(sent.slice(1).every(s => s.status === 'leaving')).toBe(true)
  })

  it('rejects an invalid or oversized local state synchronously, keeping the previous one', async () => {
    const { b, sent } = setup()
    b.setLocalState(local)
    b.start()
    await vi.advanceTimersByTimeAsync(0)
    const model = {
      id: 'm', capabilities: { chat: true, completion: true, embeddings: false, tools: false, vision: false }, loaded: true,
      contextLength: 512, quantization: 'F32', sizeBytes: 1, slotsTotal: 1, slotsBusy: 0, queueDepth: 0, tokensPerSecond: 1, avgServiceMs: 0
    }
    expect(() => b.setLocalState({ ...local, name: '' })).toThrow()
    expect(() => b.setLocalState({ ...local, models: Array.from({ length: 257 }, (_, i) => ({ ...model, id: `m${i}` })) })).toThrow()
    // Each key is schema-valid; together they exceed MAX_NODE_STATE_BYTES (10 × 256 × 35 B ≈ 90 KiB).
    const prefixes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`m${i}`, Array.from({ length: 256 }, () => 'f'.repeat(32))]))
    expect(() => b.setLocalState({ ...local, prefixes })).toThrow(RangeError)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(sent.at(-1)?.name).toBe('box')
    expect(b.current()?.name).toBe('box')
  })

  it('stop() cancels heartbeats', async () => {
    const { b, sent } = setup()
    b.setLocalState(local)
    b.start()
    await vi.advanceTimersByTimeAsync(0)
    b.stop()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(sent).toHaveLength(1)
  })
})
