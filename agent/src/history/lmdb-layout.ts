/**
 * The LMDB key layout of request history (documented in specs/storage.md; keep the two in step).
 * One environment, `<data-dir>/history`, with these databases (keys are lmdb-js ordered-binary
 * arrays, so they sort element by element):
 *
 * - `rec`  rk → HistoryRecord            the records, in time order (rk = ts·1024 + seq)
 * - `body` rk → HistoryBodies            bodies apart, so listing pages never decodes them (LZ4)
 * - `ids`  request id → rk               detail by id (the newest record wins a reused id)
 * - `idx`  [dim, value, rk] → null       secondary indexes: model, serving node, key, status, outcome
 * - `cnt`  [dim, value, hour] → count    records per index value per hour ('*' = all records)
 *          [pair, v1, v2, hour] → count  records per pair of values per hour (two-condition filters)
 * - `agg`  [by, group, period, value] → {i, o, r, e}   durable token aggregates (token-stats.ts)
 *
 * Pure functions only: the store and the query code use them, unit tests check them.
 */
import type { HistoryRecord } from './history-record.js'

/** Records that may start in the same millisecond before rk values repeat. */
export const SEQ_PER_MS = 1024

/** One hour (ms): the bucket of the per-index counters. */
export const HOUR_MS = 3_600_000

/** The record key: start time then a sequence number, one number so it stays small and ordered. */
export function recordKey(ts: number, seq: number): number {
  return Math.floor(ts) * SEQ_PER_MS + (seq % SEQ_PER_MS)
}

/** First rk of the millisecond `ts` (rk of any record at `ts` is ≥ this, < rkOfTs(ts + 1)). */
export const rkOfTs = (ts: number): number => Math.floor(ts) * SEQ_PER_MS

export const tsOfRk = (rk: number): number => Math.floor(rk / SEQ_PER_MS)

export const hourOf = (ts: number): number => Math.floor(ts / HOUR_MS)

/** First rk of an hour bucket. */
export const rkOfHour = (hour: number): number => rkOfTs(hour * HOUR_MS)

/**
 * Index dimensions: `m` model, `n` serving node, `k` API key id, `s` HTTP status, `o` outcome.
 * `*` exists only in `cnt` (all records), the time order itself is `rec`.
 */
export type Dim = 'm' | 'n' | 'k' | 's' | 'o'
export type CounterDim = Dim | '*'
export type DimValue = string | number

/** Index entries of a record: one per dimension that has a value. */
export function indexEntries(r: Pick<HistoryRecord, 'model' | 'servedBy' | 'apiKeyId' | 'status' | 'outcome'>): [Dim, DimValue][] {
  const out: [Dim, DimValue][] = [
    ['s', r.status],
    ['o', r.outcome]
  ]
  if (r.model !== null) out.push(['m', r.model])
  if (r.servedBy !== null) out.push(['n', r.servedBy])
  if (r.apiKeyId !== null) out.push(['k', r.apiKeyId])
  return out
}

export const indexKey = (dim: Dim, value: DimValue, rk: number): [Dim, DimValue, number] => [dim, value, rk]

export const counterKey = (dim: CounterDim, value: DimValue, hour: number): [CounterDim, DimValue, number] => [dim, value, hour]

/** Canonical order of dimensions within a pair. */
const DIM_ORDER: readonly Dim[] = ['m', 'n', 'k', 's', 'o']

/**
 * The pair counter name of two dimensions (`mn`, `ks`…), or undefined for status+outcome (one decides
 * the other). Conditions must be given in DIM_ORDER (see `inPairOrder`).
 */
export function pairDim(a: Dim, b: Dim): string | undefined {
  return (a === 's' && b === 'o') || (a === 'o' && b === 's') ? undefined : `${a}${b}`
}

/** Two conditions sorted into DIM_ORDER, so a pair has one name. */
export function inPairOrder<T extends [Dim, DimValue]>(x: T, y: T): [T, T] {
  return DIM_ORDER.indexOf(x[0]) <= DIM_ORDER.indexOf(y[0]) ? [x, y] : [y, x]
}

export const pairCounterKey = (pair: string, v1: DimValue, v2: DimValue, hour: number): [string, DimValue, DimValue, number] => [pair, v1, v2, hour]

/**
 * Counter keys a record adds one to: its index entries, every pair of them (two-condition filters are
 * counted exactly, and their pages find their hour, without scanning), and the all-records counter.
 */
export function counterKeys(r: HistoryRecord): (string | number)[][] {
  const hour = hourOf(r.ts)
  const entries = indexEntries(r).sort((a, b) => DIM_ORDER.indexOf(a[0]) - DIM_ORDER.indexOf(b[0]))
  const out: (string | number)[][] = [counterKey('*', '', hour), ...entries.map(([d, v]) => counterKey(d, v, hour))]
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const [a, va] = entries[i] as [Dim, DimValue]
      const [b, vb] = entries[j] as [Dim, DimValue]
      const pair = pairDim(a, b)
      if (pair) out.push(pairCounterKey(pair, va, vb, hour))
    }
  }
  return out
}
