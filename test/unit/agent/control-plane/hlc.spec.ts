import { describe, expect, it } from 'vitest'
import { bootstrapHlc, ClockDriftError, compareHlc, HybridClock, MAX_CLOCK_DRIFT_MS, type Hlc } from '../../../../agent/src/control-plane/hlc.js'

function clockAt(t: { now: number }, node = 'a'): HybridClock {
  return new HybridClock(node, () => t.now)
}

describe('HybridClock', () => {
  it('follows the wall clock and never goes backwards when it does', () => {
    const t = { now: 1000 }
    const c = clockAt(t)
    const a = c.tick()
    expect(a).toEqual({ w: 1000, c: 0, n: 'a' })
    const b = c.tick()
    expect(compareHlc(b, a)).toBeGreaterThan(0)
    t.now = 500 // wall clock jumps back
    const d = c.tick()
    expect(compareHlc(d, b)).toBeGreaterThan(0)
    expect(d.w).toBe(1000)
    t.now = 2000
    expect(c.tick()).toEqual({ w: 2000, c: 0, n: 'a' })
  })

  it('orders a write after every timestamp it observed, even one ahead of its own clock', () => {
    const t = { now: 1000 }
    const c = clockAt(t, 'b')
    const remote: Hlc = { w: 5000, c: 7, n: 'a' }
    c.observe(remote)
    expect(compareHlc(c.tick(), remote)).toBeGreaterThan(0)
  })

  it('refuses timestamps too far in the future and leaves its clock alone', () => {
    const t = { now: 1000 }
    const c = clockAt(t)
    expect(() => c.observe({ w: 1000 + MAX_CLOCK_DRIFT_MS + 1, c: 0, n: 'x' })).toThrow(ClockDriftError)
    expect(c.tick().w).toBe(1000)
  })

  it('is a total order: wall, then counter, then node', () => {
    expect(compareHlc({ w: 1, c: 9, n: 'z' }, { w: 2, c: 0, n: 'a' })).toBeLessThan(0)
    expect(compareHlc({ w: 2, c: 1, n: 'a' }, { w: 2, c: 0, n: 'z' })).toBeGreaterThan(0)
    expect(compareHlc({ w: 2, c: 1, n: 'b' }, { w: 2, c: 1, n: 'a' })).toBeGreaterThan(0)
    expect(compareHlc({ w: 2, c: 1, n: 'a' }, { w: 2, c: 1, n: 'a' })).toBe(0)
  })

  it('bootstrap defaults lose to any real write, and the older default wins', () => {
    const older = bootstrapHlc('node-b', 1_000)
    const newer = bootstrapHlc('node-a', 2_000)
    expect(compareHlc(older, newer)).toBeGreaterThan(0)
    expect(compareHlc({ w: 1, c: 0, n: 'x' }, older)).toBeGreaterThan(0)
  })
})
