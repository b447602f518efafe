import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HybridClock, type Hlc } from '../../../../agent/src/control-plane/hlc.js'
import { DIGEST_BUCKETS, LwwMap } from '../../../../agent/src/control-plane/lww-map.js'
import type { ControlEntry } from '../../../../agent/src/control-plane/entry.js'

const fixedClock = (node: string, now = 1_000): HybridClock => new HybridClock(node, () => now)
const snapshot = (m: LwwMap): string => JSON.stringify(m.list(''))

describe('LwwMap', () => {
  it('keeps the value of the latest write; a delete leaves a tombstone', () => {
    const t = { now: 1000 }
    const m = new LwwMap(new HybridClock('a', () => t.now))
    m.set('user/x', { v: 1 })
    t.now++
    m.set('user/x', { v: 2 })
    expect(m.get('user/x')).toEqual({ v: 2 })
    m.delete('user/x')
    expect(m.get('user/x')).toBeUndefined()
    expect(m.entry('user/x')?.v).toBeNull()
    expect(m.list('user/')).toHaveLength(1)
  })

  it('merges by timestamp: an older write never overwrites a newer one or its tombstone', () => {
    const m = new LwwMap(fixedClock('a'))
    expect(m.merge({ k: 'apikey/1', h: { w: 10, c: 0, n: 'b' }, v: null })).toBe(true)
    expect(m.merge({ k: 'apikey/1', h: { w: 9, c: 5, n: 'c' }, v: { name: 'old' } })).toBe(false)
    expect(m.get('apikey/1')).toBeUndefined()
    expect(m.merge({ k: 'apikey/1', h: { w: 10, c: 0, n: 'b' }, v: null })).toBe(false) // duplicate
  })

  it('a local write after merging orders after the merged entry even if the local clock is behind', () => {
    const m = new LwwMap(fixedClock('a', 100))
    m.merge({ k: 'setting/s', h: { w: 5_000, c: 3, n: 'b' }, v: 'remote' })
    const e = m.set('setting/s', 'local')
    expect(e.h.w).toBe(5_000)
    expect(m.get('setting/s')).toBe('local')
  })

  it('setAt applies a default only where nothing newer exists', () => {
    const m = new LwwMap(fixedClock('a'))
    expect(m.setAt('user/admin', { d: 1 }, { w: 0, c: 10, n: 'a' })).toBeDefined()
    expect(m.setAt('user/admin', { d: 2 }, { w: 0, c: 5, n: 'b' })).toBeUndefined()
    m.set('user/admin', { real: true })
    expect(m.setAt('user/admin', { d: 3 }, { w: 0, c: 99, n: 'c' })).toBeUndefined()
    expect(m.get('user/admin')).toEqual({ real: true })
  })

  it('digests agree exactly when contents agree; differing buckets name the difference', () => {
    const a = new LwwMap(fixedClock('a'))
    const b = new LwwMap(fixedClock('b'))
    for (const k of ['user/a', 'user/b', 'apikey/c']) {
      const e = a.set(k, { k })
      b.merge(e)
    }
    expect(a.digest()).toHaveLength(DIGEST_BUCKETS)
    expect(b.differingBuckets(a.digest())).toEqual([])
    const extra = a.set('setting/z', 1)
    const diff = b.differingBuckets(a.digest())
    expect(diff).toHaveLength(1)
    expect(a.inBuckets(diff).map((e) => e.k)).toContain(extra.k)
    expect(b.differingBuckets(undefined)).toHaveLength(DIGEST_BUCKETS)
  })

  // Convergence: replicas that receive the same entries, in any order and any number of times, agree.
  const hlcArb: fc.Arbitrary<Hlc> = fc.record({ w: fc.integer({ min: 0, max: 50 }), c: fc.integer({ min: 0, max: 3 }), n: fc.constantFrom('n1', 'n2', 'n3') })
  const entryArb: fc.Arbitrary<ControlEntry> = fc.record({
    k: fc.constantFrom('user/a', 'user/b', 'apikey/1', 'apikey/2', 'setting/x'),
    h: hlcArb,
    v: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 5 }).map((x) => ({ x })))
  })
  // one write per (key, timestamp): a node never issues the same timestamp twice
  const uniqueWrites = fc.uniqueArray(entryArb, { selector: (e) => `${e.k} ${e.h.w}.${e.h.c}.${e.h.n}`, maxLength: 30 })

  it('converges regardless of delivery order and duplication (property)', () => {
    fc.assert(
      fc.property(
        uniqueWrites.chain((writes) =>
          fc.tuple(
            fc.constant(writes),
            fc.shuffledSubarray(writes, { minLength: writes.length, maxLength: writes.length }),
            fc.array(fc.constantFrom(...(writes.length ? writes : [undefined])), { maxLength: 10 })
          )
        ),
        ([writes, shuffled, dupes]) => {
          const a = new LwwMap(fixedClock('a', 1_000_000))
          const b = new LwwMap(fixedClock('b', 1_000_000))
          for (const e of writes) a.merge(e)
          for (const e of [...shuffled, ...dupes.filter((d): d is ControlEntry => d !== undefined)]) b.merge(e)
          for (const e of [...shuffled].reverse()) b.merge(e)
          expect(snapshot(b)).toBe(snapshot(a))
          expect(b.digest()).toEqual(a.digest())
        }
      ),
      { numRuns: 300 }
    )
  })

  it('anti-entropy over differing buckets makes two replicas equal (property)', () => {
    fc.assert(
      // each write reaches one replica, the other, or both (never two writes with one timestamp)
      fc.property(uniqueWrites.chain((w) => fc.tuple(fc.constant(w), fc.array(fc.constantFrom('a', 'b', 'both'), { minLength: w.length, maxLength: w.length }))), ([writes, where]) => {
        const a = new LwwMap(fixedClock('a', 1_000_000))
        const b = new LwwMap(fixedClock('b', 1_000_000))
        writes.forEach((e, i) => {
          if (where[i] !== 'b') a.merge(e)
          if (where[i] !== 'a') b.merge(e)
        })
        const buckets = b.differingBuckets(a.digest())
        for (const e of b.inBuckets(buckets)) a.merge(e)
        for (const e of a.inBuckets(buckets)) b.merge(e)
        expect(snapshot(a)).toBe(snapshot(b))
      }),
      { numRuns: 200 }
    )
  })
})
