import { describe, expect, it } from 'vitest'
import { aggregateUpdates, mergeTokenStats, periodOf, NO_VALUE } from '../../../../agent/src/history/token-stats.js'
import { makeRecord } from '../../../../scripts/bench/history-records.js'

describe('token aggregates', () => {
  it('periods are UTC days and months', () => {
    expect(periodOf('day', Date.UTC(2025, 1, 28, 23, 59))).toBe('2025-02-28')
    expect(periodOf('month', Date.UTC(2025, 1, 28, 23, 59))).toBe('2025-02')
  })

  it('a record adds to one row per period and group', () => {
    const r = { ...makeRecord(0), apiKeyId: null, inputTokens: 5, outputTokens: 9 }
    const ups = aggregateUpdates(r)
    expect(ups).toHaveLength(12)
    expect(ups.map(([k]) => k)).toContainEqual(['day', 'key', periodOf('day', r.ts), NO_VALUE])
    // per engine: the native runtime unless a backend (engine or cloud provider) served it
    expect(ups.map(([k]) => k)).toContainEqual(['day', 'engine', periodOf('day', r.ts), r.servedBy === null ? NO_VALUE : 'native'])
    expect(aggregateUpdates({ ...r, servedBy: 'n1', engine: 'cloud:anthropic' }).map(([k]) => k)).toContainEqual(['month', 'engine', periodOf('month', r.ts), 'cloud:anthropic'])
    expect(ups.map(([k]) => k)).toContainEqual(['month', 'model', periodOf('month', r.ts), r.model])
    expect(ups[0]?.[1]).toEqual({ i: 5, o: 9, r: 1, e: 0 })
  })

  it('cluster results add up row by row', () => {
    const row = (period: string, group: string, n: number) => ({ period, group, inputTokens: n, outputTokens: 2 * n, requests: 1, errors: 0 })
    const m = mergeTokenStats([
      { data: [row('2025-01-01', 'a', 1), row('2025-01-02', 'a', 2)], totals: { inputTokens: 3, outputTokens: 6, requests: 2, errors: 0 } },
      { data: [row('2025-01-01', 'a', 10), row('2025-01-01', 'b', 5)], totals: { inputTokens: 15, outputTokens: 30, requests: 2, errors: 0 } }
    ])
    expect(m.data).toEqual([row('2025-01-01', 'a', 11), row('2025-01-01', 'b', 5), row('2025-01-02', 'a', 2)].map((r, i) => (i === 0 ? { ...r, requests: 2 } : r)))
    expect(m.totals).toEqual({ inputTokens: 18, outputTokens: 36, requests: 4, errors: 0 })
  })
})
