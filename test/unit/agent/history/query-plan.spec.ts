import { describe, expect, it } from 'vitest'
import { conditionsOf, locateOffset, parseStatusFilter, rkRange, smallest, splitByHour } from '../../../../agent/src/history/query-plan.js'
import { HOUR_MS, SEQ_PER_MS, hourOf, recordKey, rkOfHour, tsOfRk, indexEntries, counterKeys, pairDim, inPairOrder } from '../../../../agent/src/history/lmdb-layout.js'
import { makeRecord } from '../../../../scripts/bench/history-records.js'

const H = HOUR_MS * SEQ_PER_MS

describe('lmdb layout', () => {
  it('record keys order by time, then sequence, and give the time back', () => {
    expect(recordKey(1000, 5)).toBeLessThan(recordKey(1000, 6))
    expect(recordKey(1000, SEQ_PER_MS - 1)).toBeLessThan(recordKey(1001, 0))
    expect(tsOfRk(recordKey(1_736_000_000_123, 77))).toBe(1_736_000_000_123)
    expect(Number.isSafeInteger(recordKey(Date.UTC(2200, 0, 1), SEQ_PER_MS - 1))).toBe(true)
  })

  it('a record is indexed by every dimension it has, and counted per dimension, per pair and in all', () => {
    const r = { ...makeRecord(3), apiKeyId: null }
    expect(indexEntries(r).map(([d]) => d).sort()).toEqual(['m', 'n', 'o', 's'])
    const keys = counterKeys(r)
    // all + 4 dimensions + 5 pairs (status and outcome are never paired: one decides the other)
    expect(keys).toHaveLength(10)
    expect(keys.map((k) => k[0]).sort()).toEqual(['*', 'm', 'mn', 'mo', 'ms', 'n', 'no', 'ns', 'o', 's'])
    expect(keys.every((k) => k.at(-1) === hourOf(r.ts))).toBe(true)
    expect(pairDim('s', 'o')).toBeUndefined()
    expect(inPairOrder(['s', 200], ['m', 'a'])).toEqual([['m', 'a'], ['s', 200]])
  })
})

describe('query plan', () => {
  it('turns an inclusive ms window into a half-open rk range', () => {
    expect(rkRange({})).toEqual({ lo: 0, hi: Infinity })
    expect(rkRange({ from: 10, to: 20 })).toEqual({ lo: 10 * SEQ_PER_MS, hi: 21 * SEQ_PER_MS })
  })

  it('splits a window into a partial head, whole hours and a partial tail', () => {
    const lo = rkOfHour(10) + 5
    const hi = rkOfHour(13) + 7
    expect(splitByHour({ lo, hi })).toEqual({ head: { lo, hi: rkOfHour(11) }, hours: { fromHour: 11, toHour: 13 }, tail: { lo: rkOfHour(13), hi } })
    expect(splitByHour({ lo: rkOfHour(10), hi: rkOfHour(12) })).toEqual({ hours: { fromHour: 10, toHour: 12 } })
    expect(splitByHour({ lo: rkOfHour(10) + 1, hi: rkOfHour(10) + 9 })).toEqual({ head: { lo: rkOfHour(10) + 1, hi: rkOfHour(10) + 9 } })
    expect(splitByHour({ lo: 5, hi: Infinity })).toEqual({ head: { lo: 5, hi: H }, hours: { fromHour: 1, toHour: Infinity } })
    expect(splitByHour({ lo: 9, hi: 9 })).toEqual({})
  })

  it('finds the bucket of an offset and what to skip in it', () => {
    const b = [
      { lo: 0, hi: 1, count: 3 },
      { lo: 0, hi: 1, count: 0 },
      { lo: 0, hi: 1, count: 5 }
    ]
    expect(locateOffset(b, 0)).toEqual({ index: 0, skip: 0 })
    expect(locateOffset(b, 2)).toEqual({ index: 0, skip: 2 })
    expect(locateOffset(b, 3)).toEqual({ index: 2, skip: 0 })
    expect(locateOffset(b, 7)).toEqual({ index: 2, skip: 4 })
    expect(locateOffset(b, 8)).toBeUndefined()
  })

  it('maps filters to index conditions and picks the smallest', () => {
    expect(conditionsOf({ model: 'a', status: 404, key: 'k' })).toEqual([
      ['m', 'a'],
      ['k', 'k'],
      ['s', 404]
    ])
    expect(conditionsOf({ status: 'error' })).toEqual([['o', 'error']])
    expect(smallest([5, 2, 9, 2])).toBe(1)
  })

  it('reads status filters as codes or outcomes', () => {
    expect(parseStatusFilter('429')).toBe(429)
    expect(parseStatusFilter('error')).toBe('error')
    expect(parseStatusFilter('4xx')).toBeUndefined()
    expect(parseStatusFilter('99')).toBeUndefined()
  })
})
