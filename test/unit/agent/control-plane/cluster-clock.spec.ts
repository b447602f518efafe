import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CLOCK_TOLERANCE_MS, ClusterClock, majorityOffset } from '../../../../agent/src/control-plane/cluster-clock.js'

const TEN_MIN = 10 * 60_000

describe('ClusterClock', () => {
  it('a node 10 minutes ahead of two peers that agree takes their time', () => {
    const t = { now: 1_000_000 + TEN_MIN }
    const c = new ClusterClock(() => t.now)
    c.sample('p1', 1_000_000, t.now - 20, t.now)
    expect(c.correctionMs).toBe(0) // one peer against this node: no majority yet
    c.sample('p2', 1_000_005, t.now - 20, t.now)
    expect(Math.abs(c.correctionMs + TEN_MIN)).toBeLessThan(100)
    expect(Math.abs(c.now() - 1_000_000)).toBeLessThan(100)
  })

  it('a node in the majority keeps its own clock while one peer is off', () => {
    const t = { now: 5_000_000 }
    const c = new ClusterClock(() => t.now)
    c.sample('skewed', t.now + TEN_MIN, t.now - 10, t.now)
    c.sample('ok', t.now + 3, t.now - 10, t.now)
    expect(c.correctionMs).toBe(0)
    expect(c.now()).toBe(t.now)
  })

  it('forgets a peer after ten minutes without a sample (its clock may have been fixed)', () => {
    const t = { now: 1_000_000 + TEN_MIN }
    const c = new ClusterClock(() => t.now)
    c.sample('p1', 1_000_000, t.now, t.now)
    c.sample('p2', 1_000_000, t.now, t.now)
    expect(c.correctionMs).not.toBe(0)
    t.now += TEN_MIN + 1
    c.sample('p3', t.now, t.now, t.now) // p3 agrees with this node; p1 and p2 are gone
    expect(c.correctionMs).toBe(0)
  })
})

describe('majorityOffset', () => {
  it('never corrects without a strict majority, nor within the tolerance', () => {
    expect(majorityOffset([0])).toBe(0)
    expect(majorityOffset([0, -TEN_MIN])).toBe(0) // two nodes that disagree: nobody can tell
    expect(majorityOffset([0, CLOCK_TOLERANCE_MS / 2, CLOCK_TOLERANCE_MS / 2])).toBe(0)
    expect(majorityOffset([0, -TEN_MIN, -TEN_MIN - 50, 0, -TEN_MIN + 30])).toBe(-TEN_MIN)
  })

  it('property: the correction is 0 or an offset that a strict majority shares, away from this node', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3_600_000, max: 3_600_000 }), { maxLength: 12 }), (peers) => {
        const all = [0, ...peers]
        const m = majorityOffset(all)
        if (m === 0) return
        const near = all.filter((x) => Math.abs(x - m) <= CLOCK_TOLERANCE_MS)
        expect(near.length * 2).toBeGreaterThan(all.length)
        expect(Math.abs(m)).toBeGreaterThan(CLOCK_TOLERANCE_MS)
      })
    )
  })
})

describe('HybridClock after a clock correction', () => {
  it('a node whose clock was 10 minutes ahead stamps on the corrected time once corrected, not where it was', async () => {
    const { HybridClock, MAX_CLOCK_DRIFT_MS } = await import('../../../../agent/src/control-plane/hlc.js')
    const t = { now: 1_000_000 + TEN_MIN }
    const c = new ClusterClock(() => t.now)
    const hlc = new HybridClock('skewed', c.now)
    const before = hlc.tick()
    expect(before.w).toBe(1_000_000 + TEN_MIN)
    c.sample('p1', 1_000_000, t.now, t.now)
    c.sample('p2', 1_000_000, t.now, t.now)
    const after = hlc.tick()
    expect(Math.abs(after.w - 1_000_000)).toBeLessThan(MAX_CLOCK_DRIFT_MS)
  })
})
