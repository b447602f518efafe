/**
 * Token statistics as durable aggregates: per day and per month (UTC), per model, API key, serving
 * node and API, plus an all-requests total. They are updated in the same write batch as each history
 * record but live in their own LMDB database (`agg`), so history retention never erases them.
 *
 * Key: [by, group, period, value] → { i: input tokens, o: output tokens, r: requests, e: errors }.
 */
import type { Database, Key } from 'lmdb'
import { z } from 'zod'
import type { HistoryRecord } from './history-record.js'
import type { Accumulator } from './durable-counters.js'

export type StatsBy = 'day' | 'month'
export type StatsGroup = 'model' | 'key' | 'node' | 'api' | 'none' | 'engine'

export const STATS_BY: readonly StatsBy[] = ['day', 'month']
export const STATS_GROUPS: readonly StatsGroup[] = ['model', 'key', 'node', 'api', 'none', 'engine']

/** Group value of `engine` for requests the native runtime served. */
export const NATIVE_ENGINE = 'native'

/** Group value of a record with no model / key / serving node. */
export const NO_VALUE = '(none)'

const Totals = {
  inputTokens: z.number(),
  outputTokens: z.number(),
  requests: z.number(),
  /** Requests whose outcome was `error`. */
  errors: z.number()
}

export const TokenTotalsSchema = z.object(Totals)
export type TokenTotals = z.infer<typeof TokenTotalsSchema>

export const TokenStatsRowSchema = z.object({
  /** `YYYY-MM-DD` or `YYYY-MM` (UTC). */
  period: z.string(),
  /** The model / key id / node / api; null for group `none`. */
  group: z.string().nullable(),
  ...Totals
})
export type TokenStatsRow = z.infer<typeof TokenStatsRowSchema>

/** The answer of `GET /api/stats/tokens` (also what peers send for cluster scope). */
export const TokenStatsResultSchema = z.object({ data: z.array(TokenStatsRowSchema), totals: TokenTotalsSchema })
export type TokenStatsResult = z.infer<typeof TokenStatsResultSchema>

export interface TokenStatsQuery {
  by: StatsBy
  group: StatsGroup
  /** First period included (same format as `period`). */
  from?: string
  /** Last period included. */
  to?: string
}

export interface TokenStats {
  query(q: TokenStatsQuery): TokenStatsResult
}

/** Stored value of one aggregate row (short names: there is one per period × group value). */
export interface AggValue {
  i: number
  o: number
  r: number
  e: number
}

export const AGG_SUM: Accumulator<AggValue> = {
  zero: () => ({ i: 0, o: 0, r: 0, e: 0 }),
  add: (a, b) => ({ i: a.i + b.i, o: a.o + b.o, r: a.r + b.r, e: a.e + b.e }),
  isZero: (v) => v.i === 0 && v.o === 0 && v.r === 0 && v.e === 0
}

/** The UTC period of a time. */
export function periodOf(by: StatsBy, ts: number): string {
  const iso = new Date(ts).toISOString()
  return by === 'day' ? iso.slice(0, 10) : iso.slice(0, 7)
}

function groupValue(group: StatsGroup, r: HistoryRecord): string {
  switch (group) {
    case 'model':
      return r.model ?? NO_VALUE
    case 'key':
      return r.apiKeyId ?? NO_VALUE
    case 'node':
      return r.servedBy ?? NO_VALUE
    case 'api':
      return r.api
    case 'engine':
      // per engine or cloud provider (`cloud:anthropic`); requests no node took have none
      return r.servedBy === null ? NO_VALUE : (r.engine ?? NATIVE_ENGINE)
    default:
      return ''
  }
}

/** The aggregate rows one record adds to. */
export function aggregateUpdates(r: HistoryRecord): [Key, AggValue][] {
  const delta: AggValue = { i: r.inputTokens, o: r.outputTokens, r: 1, e: r.outcome === 'error' ? 1 : 0 }
  const out: [Key, AggValue][] = []
  for (const by of STATS_BY) {
    const period = periodOf(by, r.ts)
    for (const group of STATS_GROUPS) out.push([[by, group, period, groupValue(group, r)], delta])
  }
  return out
}

export const sumTotals = (rows: readonly TokenTotals[]): TokenTotals =>
  rows.reduce<TokenTotals>(
    (t, r) => ({ inputTokens: t.inputTokens + r.inputTokens, outputTokens: t.outputTokens + r.outputTokens, requests: t.requests + r.requests, errors: t.errors + r.errors }),
    { inputTokens: 0, outputTokens: 0, requests: 0, errors: 0 }
  )

/** Sums the results of several nodes row by row (cluster scope). */
export function mergeTokenStats(results: readonly TokenStatsResult[]): TokenStatsResult {
  const rows = new Map<string, TokenStatsRow>()
  for (const res of results) {
    for (const r of res.data) {
      const id = JSON.stringify([r.period, r.group])
      const have = rows.get(id)
      rows.set(id, have ? { ...have, ...sumTotals([have, r]) } : { ...r })
    }
  }
  const data = [...rows.values()].sort((a, b) => a.period.localeCompare(b.period) || String(a.group).localeCompare(String(b.group)))
  return { data, totals: sumTotals(data) }
}

/** Reads the `agg` database. */
export class LmdbTokenStats implements TokenStats {
  constructor(private readonly db: Database<AggValue, Key>) {}

  query(q: TokenStatsQuery): TokenStatsResult {
    const data: TokenStatsRow[] = []
    // '\uffff' sorts after any period string, so `to` includes every value of its last period
    const range = { start: [q.by, q.group, q.from ?? ''], end: [q.by, q.group, `${q.to ?? '9999'}\uffff`] }
    for (const { key, value } of this.db.getRange(range)) {
      const [, , period, group] = key as [string, string, string, string]
      data.push({ period, group: q.group === 'none' ? null : group, inputTokens: value.i, outputTokens: value.o, requests: value.r, errors: value.e })
    }
    return { data, totals: sumTotals(data) }
  }
}
