import { describe, expect, it } from 'vitest'
import { coldLoadMs, estimateMemoryBytes, evictionsFor, idleExpired, nextDiskSpeed, LOAD_OVERHEAD_MS } from '../../../../agent/src/models/load-policy.js'

const m = (id: string, bytes: number, lastUsed: number, busy = 0) => ({ id, bytes, lastUsed, busy })

describe('load policy', () => {
  it('estimates weights + overhead + KV cache of every slot', () => {
    expect(estimateMemoryBytes(1000, 10, 100, 2)).toBe(1100 + 2000)
  })

  it('unloads the least recently used idle models until the new one fits, never a busy one', () => {
    const loaded = [m('a', 40, 3), m('b', 40, 1), m('c', 40, 2, 1)]
    expect(evictionsFor(loaded, 10, 200)).toEqual([])
    expect(evictionsFor(loaded, 50, 150)).toEqual(['b'])
    expect(evictionsFor(loaded, 90, 150)).toEqual(['b', 'a'])
    // c is busy: even without a and b, 40 + 120 > 150
    expect(evictionsFor(loaded, 120, 150)).toBeNull()
  })

  it('finds idle models past their keep-alive; 0 keeps a model forever', () => {
    const loaded = [m('a', 1, 0), m('b', 1, 900), m('c', 1, 0, 2), m('d', 1, 0)]
    expect(idleExpired(loaded, (id) => (id === 'd' ? 0 : 1000), 1000)).toEqual(['a'])
  })

  it('cold load time from size and disk speed; the speed follows measured loads', () => {
    expect(coldLoadMs(1_000_000_000, 500_000_000)).toBe(LOAD_OVERHEAD_MS + 2000)
    expect(nextDiskSpeed(100, 1000, LOAD_OVERHEAD_MS + 10)).toBe(100)
    const v = nextDiskSpeed(1_000_000, 10_000_000, LOAD_OVERHEAD_MS + 1000)
    expect(v).toBeGreaterThan(1_000_000)
    expect(v).toBeLessThan(10_000_000)
  })
})
