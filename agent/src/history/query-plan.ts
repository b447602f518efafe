/**
 * Pure planning of history queries: which rk interval a time window covers, how it splits into whole
 * hours (counted by the maintained `cnt` counters) and partial edge hours (counted from the index,
 * bounded by one hour of records), which index drives a combined filter, and where page `offset`
 * starts — found by walking hour counts newest first, so a deep page skips at most one hour of keys.
 */
import { HOUR_MS, SEQ_PER_MS, rkOfTs, type Dim, type DimValue } from './lmdb-layout.js'
import type { HistoryFilter } from './history-store.js'
import { OUTCOMES, type Outcome } from './history-record.js'

/** rk width of one hour. */
const HOUR_RK = HOUR_MS * SEQ_PER_MS

/** A half-open rk interval [lo, hi); hi may be Infinity. */
export interface RkRange {
  lo: number
  hi: number
}

/** The rk interval of a filter's time window (`from`, `to` inclusive, ms). */
export function rkRange(filter: Pick<HistoryFilter, 'from' | 'to'>): RkRange {
  return {
    lo: filter.from === undefined ? 0 : rkOfTs(Math.max(0, filter.from)),
    hi: filter.to === undefined ? Infinity : rkOfTs(Math.floor(filter.to) + 1)
  }
}

/** A window split into a partial head, whole hours [fromHour, toHour), and a partial tail. */
export interface RangeSplit {
  head?: RkRange
  hours?: { fromHour: number; toHour: number }
  tail?: RkRange
}

export function splitByHour(r: RkRange): RangeSplit {
  if (r.hi <= r.lo) return {}
  const fromHour = Math.ceil(r.lo / HOUR_RK)
  const toHour = r.hi === Infinity ? Infinity : Math.floor(r.hi / HOUR_RK)
  if (fromHour >= toHour) return { head: { lo: r.lo, hi: r.hi } }
  const out: RangeSplit = { hours: { fromHour, toHour } }
  if (r.lo < fromHour * HOUR_RK) out.head = { lo: r.lo, hi: fromHour * HOUR_RK }
  if (toHour !== Infinity && toHour * HOUR_RK < r.hi) out.tail = { lo: toHour * HOUR_RK, hi: r.hi }
  return out
}

/** rk interval of one hour bucket. */
export const hourRange = (hour: number): RkRange => ({ lo: hour * HOUR_RK, hi: (hour + 1) * HOUR_RK })

/** A counted piece of the window, newest first in a list. */
export interface Bucket extends RkRange {
  count: number
}

/**
 * The bucket holding the record at `offset` (0 = newest) and how many of its records to skip.
 * Undefined when the offset is past the end.
 */
export function locateOffset(newestFirst: readonly Bucket[], offset: number): { index: number; skip: number } | undefined {
  let before = 0
  for (const [index, b] of newestFirst.entries()) {
    if (offset < before + b.count) return { index, skip: offset - before }
    before += b.count
  }
  return undefined
}

/** The equality conditions of a filter as index lookups. */
export function conditionsOf(filter: HistoryFilter): [Dim, DimValue][] {
  const out: [Dim, DimValue][] = []
  if (filter.model !== undefined) out.push(['m', filter.model])
  if (filter.node !== undefined) out.push(['n', filter.node])
  if (filter.key !== undefined) out.push(['k', filter.key])
  if (filter.status !== undefined) out.push(typeof filter.status === 'number' ? ['s', filter.status] : ['o', filter.status])
  return out
}

/** Parses `status=`: a 3-digit code or an outcome name; undefined if neither. */
export function parseStatusFilter(v: string): number | Outcome | undefined {
  if (/^[1-5]\d\d$/.test(v)) return Number(v)
  return (OUTCOMES as readonly string[]).includes(v) ? (v as Outcome) : undefined
}

/** Index of the smallest count (the driver of a combined filter). */
export function smallest(counts: readonly number[]): number {
  let best = 0
  for (let i = 1; i < counts.length; i++) if ((counts[i] as number) < (counts[best] as number)) best = i
  return best
}
