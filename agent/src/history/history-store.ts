/**
 * The contract of request history storage. The HTTP routes, the export and the federation code see
 * only this; `LmdbHistoryStore` is the implementation (see specs/storage.md for its key layout).
 */
import type { HistoryBodies, HistoryDetail, HistoryRecord, Outcome } from './history-record.js'
import type { TokenStats } from './token-stats.js'

/** Equality filters and a time window; every field optional, all given ones must match. */
export interface HistoryFilter {
  model?: string
  /** Serving node name. */
  node?: string
  /** API key id. */
  key?: string
  /** An exact HTTP status or an outcome. */
  status?: number | Outcome
  /** Inclusive lower bound of `ts` (ms since the epoch). */
  from?: number
  /** Inclusive upper bound of `ts` (ms since the epoch). */
  to?: number
  /** Case-insensitive substring of id, model, api, error, key id, client address or serving node. */
  q?: string
}

export interface HistoryQuery {
  filter: HistoryFilter
  /** Records to skip, newest first. */
  offset: number
  /** Records to return (the routes cap it). */
  limit: number
}

/** One page, newest first. */
export interface HistoryPage {
  records: HistoryRecord[]
  /** Records matching the filter (all pages). */
  total: number
  /** False when `total` was extrapolated from a bounded scan (combined filters over many records). */
  totalExact: boolean
}

/** What retention removes: records older than `olderThan`, then the oldest beyond `maxRecords`. */
export interface RetentionPolicy {
  /** ms since the epoch; records with an older `ts` are deleted. */
  olderThan?: number
  maxRecords?: number
}

export interface HistoryStore {
  start(): Promise<void>
  /** Waits for queued writes to commit, then closes. Idempotent. */
  stop(): Promise<void>
  /**
   * Queues a record (and its bodies) into the current write batch and returns at once; the promise
   * resolves when the batch is committed (from then on the record survives `kill -9`). Token
   * aggregates are updated in the same batch.
   */
  append(record: HistoryRecord, bodies?: HistoryBodies): Promise<void>
  /** The newest record with this request id, with its bodies. */
  get(id: string): HistoryDetail | undefined
  query(q: HistoryQuery): HistoryPage
  /** Every matching record, newest first, read lazily (for exports). */
  scan(filter: HistoryFilter): Iterable<HistoryRecord>
  /** Deletes what the policy says, in small batches; aggregates are not touched. */
  prune(policy: RetentionPolicy): Promise<number>
  /** Records stored now. */
  size(): number
  /** The durable token aggregates kept beside the history. */
  tokenStats(): TokenStats
}
