/**
 * Executes history queries over the LMDB layout (lmdb-layout.ts) without scanning:
 *
 * - no condition or one: the page is a reverse range read of `rec` or of that index; the total is the
 *   sum of hour counters (`cnt`) plus native counts of at most two partial edge hours; a deep offset
 *   starts in the hour that holds it (query-plan.ts `locateOffset`), so it skips ≤ one hour of keys.
 * - two conditions: the same, with the pair's hour counters; the condition with the smaller count
 *   drives and each candidate is checked against the other with a point lookup (`doesExist`); hours
 *   without a match are skipped whole, so the scan stays within the hours that hold the page.
 * - three or more conditions, or `q`: the pair of conditions with the fewest records frames the scan
 *   (only hours where that pair occurs are read; a pair that never occurs answers at once), its
 *   smaller condition drives, and every candidate is checked against the others (and against `q` by
 *   reading the record). The total is exact when the scan ends within `countScanBudget` candidates,
 *   else extrapolated from them (`totalExact: false`).
 */
import type { Database, Key } from 'lmdb'
import type { HistoryRecord } from './history-record.js'
import type { HistoryFilter, HistoryPage, HistoryQuery } from './history-store.js'
import { inPairOrder, pairDim, type Dim, type DimValue } from './lmdb-layout.js'
import { conditionsOf, hourRange, locateOffset, rkRange, smallest, splitByHour, type Bucket, type RkRange } from './query-plan.js'

/** Candidates checked to count a combined filter before the total is extrapolated. */
export const COUNT_SCAN_BUDGET = 10_000
/** Candidates checked at most for one page of a combined filter (a page past this is cut short). */
export const PAGE_SCAN_LIMIT = 2_000_000

export interface HistoryDbs {
  rec: Database<HistoryRecord, number>
  idx: Database<null, Key>
  cnt: Database<number, Key>
}

type Cond = [Dim, DimValue]

/** True when `q` (lower-case) is a substring of one of the record's searchable fields. */
export function matchesText(r: HistoryRecord, q: string): boolean {
  const fields = [r.id, r.model, r.api, r.error?.code, r.error?.message, r.apiKeyId, r.clientAddress, r.servedBy]
  return fields.some((f) => typeof f === 'string' && f.toLowerCase().includes(q))
}

export class HistoryQueryRunner {
  constructor(
    private readonly db: HistoryDbs,
    private readonly countScanBudget = COUNT_SCAN_BUDGET
  ) {}

  query(q: HistoryQuery): HistoryPage {
    const range = rkRange(q.filter)
    const conds = conditionsOf(q.filter)
    const text = q.filter.q?.toLowerCase()
    if (!text && conds.length <= 1) return this.indexedPage(conds[0], range, q.offset, q.limit)
    if (!text && conds.length === 2) {
      const [a, b] = inPairOrder(conds[0] as Cond, conds[1] as Cond)
      const pair = pairDim(a[0], b[0])
      if (pair) return this.pairPage(pair, a, b, range, q.offset, q.limit)
    }
    return this.scannedPage(conds, text, range, q.offset, q.limit)
  }

  /** Every match, newest first, read lazily (no snapshot: an export may take a while). */
  *scan(filter: HistoryFilter): Generator<HistoryRecord> {
    const range = rkRange(filter)
    const conds = conditionsOf(filter)
    const text = filter.q?.toLowerCase()
    const f = this.frame(conds, range)
    for (const b of f.buckets) {
      for (const rk of this.candidates(f.driver, b, 0, Infinity, false)) {
        const r = this.match(rk, f.gate ? [f.gate, ...f.rest] : f.rest, text)
        if (r) yield r
      }
    }
  }

  /** Records matching `cond` in `range`, per bucket, newest first. */
  buckets(cond: Cond | undefined, range: RkRange): Bucket[] {
    return this.bucketsOf(cond ?? ['*', ''], range, (r) => this.countExact(cond, r))
  }

  /**
   * Buckets newest first: whole hours from the counters under `prefix` (hours without a match have no
   * counter and no bucket), partial edge hours counted by `exact`.
   */
  private bucketsOf(prefix: DimValue[], range: RkRange, exact: (r: RkRange) => number): Bucket[] {
    const split = splitByHour(range)
    const out: Bucket[] = []
    if (split.tail) out.push({ ...split.tail, count: exact(split.tail) })
    if (split.hours) {
      const { fromHour, toHour } = split.hours
      for (const { key, value: count } of this.db.cnt.getRange({ start: [...prefix, toHour - 1], end: [...prefix, fromHour - 1], reverse: true })) {
        if (count > 0) out.push({ ...hourRange((key as DimValue[]).at(-1) as number), count })
      }
    }
    if (split.head) out.push({ ...split.head, count: exact(split.head) })
    return out
  }

  /** Two conditions: exact totals from the pair counters; the page scans only the hours that hold it. */
  private pairPage(pair: string, a: Cond, b: Cond, range: RkRange, offset: number, limit: number): HistoryPage {
    const [driver, other] = this.count(a, range) <= this.count(b, range) ? [a, b] : [b, a]
    const matches = function* (this: HistoryQueryRunner, r: RkRange): Generator<number> {
      for (const rk of this.candidates(driver, r, 0, Infinity, true)) if (this.db.idx.doesExist([other[0], other[1], rk])) yield rk
    }.bind(this)
    const buckets = this.bucketsOf([pair, a[1], b[1]], range, (r) => {
      let n = 0
      for (const _ of matches(r)) n++
      return n
    })
    const total = buckets.reduce((n, x) => n + x.count, 0)
    const at = locateOffset(buckets, offset)
    const records: HistoryRecord[] = []
    for (let i = at?.index ?? buckets.length; i < buckets.length && records.length < limit; i++) {
      let skip = i === at?.index ? at.skip : 0
      for (const rk of matches(buckets[i] as Bucket)) {
        if (skip > 0) {
          skip--
          continue
        }
        const r = this.db.rec.get(rk)
        if (r) records.push(r)
        if (records.length >= limit) break
      }
    }
    return { records, total, totalExact: true }
  }

  count(cond: Cond | undefined, range: RkRange): number {
    return this.buckets(cond, range).reduce((n, b) => n + b.count, 0)
  }

  private countExact(cond: Cond | undefined, r: RkRange): number {
    if (!cond) return this.db.rec.getCount({ start: r.lo, end: r.hi })
    return this.db.idx.getCount({ start: [cond[0], cond[1], r.lo], end: [cond[0], cond[1], r.hi] })
  }

  private indexedPage(cond: Cond | undefined, range: RkRange, offset: number, limit: number): HistoryPage {
    const buckets = this.buckets(cond, range)
    const total = buckets.reduce((n, b) => n + b.count, 0)
    const at = locateOffset(buckets, offset)
    const bucket = at && buckets[at.index]
    if (!at || !bucket || limit <= 0) return { records: [], total, totalExact: true }
    const records: HistoryRecord[] = []
    for (const rk of this.candidates(cond, { lo: range.lo, hi: bucket.hi }, at.skip, limit, true)) {
      const r = this.db.rec.get(rk)
      if (r) records.push(r)
    }
    return { records, total, totalExact: true }
  }

  private scannedPage(conds: Cond[], text: string | undefined, range: RkRange, offset: number, limit: number): HistoryPage {
    const f = this.frame(conds, range)
    const records: HistoryRecord[] = []
    let scanned = 0
    let framed = 0
    let matched = 0
    let exhausted = true
    scan: for (const b of f.buckets) {
      for (const rk of this.candidates(f.driver, b, 0, Infinity, true)) {
        if ((scanned >= this.countScanBudget && records.length >= limit) || scanned >= PAGE_SCAN_LIMIT) {
          exhausted = false
          break scan
        }
        scanned++
        if (f.gate && !this.db.idx.doesExist([f.gate[0], f.gate[1], rk])) continue
        framed++
        const r = this.match(rk, f.rest, text)
        if (!r) continue
        if (matched >= offset && records.length < limit) records.push(r)
        matched++
      }
    }
    if (exhausted) return { records, total: matched, totalExact: true }
    // the share of the frame's records that matched, times the frame's exact size
    return { records, total: Math.max(matched, framed ? Math.round((matched / framed) * f.base) : 0), totalExact: false }
  }

  /**
   * Where a scan looks: the buckets that can hold matches, the index that drives, the other side of
   * the framing pair (`gate`: a candidate meeting driver and gate is one of the frame's `base`
   * records), and the remaining conditions.
   */
  private frame(conds: Cond[], range: RkRange): { buckets: Bucket[]; driver: Cond | undefined; gate?: Cond; rest: Cond[]; base: number } {
    const sum = (bs: Bucket[]): number => bs.reduce((n, b) => n + b.count, 0)
    let best: { buckets: Bucket[]; total: number; pair: [Cond, Cond] } | undefined
    for (let i = 0; i < conds.length; i++) {
      for (let j = i + 1; j < conds.length; j++) {
        const [a, b] = inPairOrder(conds[i] as Cond, conds[j] as Cond)
        const pair = pairDim(a[0], b[0])
        if (!pair) continue
        // partial edge hours are bounded by one side's exact count (an upper bound of the pair's)
        const buckets = this.bucketsOf([pair, a[1], b[1]], range, (r) => this.countExact(a, r))
        const total = sum(buckets)
        if (!best || total < best.total) best = { buckets, total, pair: [a, b] }
      }
    }
    if (!best) {
      const counts = conds.map((c) => this.count(c, range))
      const driver = conds[smallest(counts)]
      const buckets = this.buckets(driver, range)
      return { buckets, driver, rest: conds.filter((c) => c !== driver), base: sum(buckets) }
    }
    const [a, b] = best.pair
    const [driver, gate] = this.count(a, range) <= this.count(b, range) ? [a, b] : [b, a]
    return { buckets: best.buckets, driver, gate, rest: conds.filter((c) => c !== driver && c !== gate), base: best.total }
  }

  /** The record at `rk` when it meets the other conditions and the text; undefined otherwise. */
  private match(rk: number, rest: Cond[], text: string | undefined): HistoryRecord | undefined {
    for (const [d, v] of rest) if (!this.db.idx.doesExist([d, v, rk])) return undefined
    const r = this.db.rec.get(rk)
    return r && (!text || matchesText(r, text)) ? r : undefined
  }

  /** rk values of `cond` (or of all records) in [lo, hi), newest first; rk are integers, hence the -1s. */
  private *candidates(cond: Cond | undefined, r: RkRange, offset: number, limit: number, snapshot: boolean): Generator<number> {
    const start = r.hi === Infinity ? Infinity : r.hi - 1
    if (!cond) {
      for (const rk of this.db.rec.getKeys({ start, end: r.lo - 1, reverse: true, offset, limit, snapshot })) yield rk
      return
    }
    const [d, v] = cond
    for (const key of this.db.idx.getKeys({ start: [d, v, start], end: [d, v, r.lo - 1], reverse: true, offset, limit, snapshot })) {
      yield (key as [Dim, DimValue, number])[2]
    }
  }
}
