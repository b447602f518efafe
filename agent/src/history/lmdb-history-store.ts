/**
 * Request history in LMDB (layout: lmdb-layout.ts, specs/storage.md).
 *
 * `append` writes every part of a record (record, bodies, id, indexes, counters, token aggregates) in
 * one transaction, and its promise resolves at that transaction's commit. How it commits depends on
 * the rate (`commitModeOf`): a record that arrives alone (nothing of ours in flight, the last append
 * at least `SYNC_GAP_MS` ago) commits at once in a synchronous transaction on this thread — one small
 * copy-on-write commit, cheaper than handing it to lmdb-js's write thread and waiting to be woken
 * (~0.1 ms of CPU against ~0.3 ms, and no thread hop on the response path). Records that arrive
 * close together are issued as async puts, which lmdb-js batches per event turn (and while its write
 * thread is busy) into one transaction committed on that thread. Either way, committed transactions
 * survive `kill -9`; the record and its counters commit together or not at all.
 */
import { mkdir } from 'node:fs/promises'
import { randomInt } from 'node:crypto'
import { open, type Database, type Key, type RootDatabase } from 'lmdb'
import type { HistoryBodies, HistoryDetail, HistoryRecord } from './history-record.js'
import type { HistoryFilter, HistoryPage, HistoryQuery, HistoryStore, RetentionPolicy } from './history-store.js'
import { SEQ_PER_MS, counterKeys, indexEntries, indexKey, recordKey, rkOfTs } from './lmdb-layout.js'
import { DurableCounters, NUMBER_SUM } from './durable-counters.js'
import { AGG_SUM, LmdbTokenStats, aggregateUpdates, type AggValue, type TokenStats } from './token-stats.js'
import { HistoryQueryRunner, type HistoryDbs } from './lmdb-history-query.js'

/** Records deleted per write batch by retention (keeps each transaction short). */
export const PRUNE_BATCH = 2000

/** An append this long after the previous one, with nothing in flight, commits synchronously (ms). */
export const SYNC_GAP_MS = 1
/** Bodies larger than this always go to the write thread (LZ4 compression runs there, not on the event loop). */
export const SYNC_MAX_BODY_CHARS = 16 * 1024

/**
 * How one append commits: `sync` (its own transaction, now, on the calling thread) when it comes alone
 * and small, `batched` (async puts joining lmdb-js's per-turn transaction) otherwise. Pure.
 */
export function commitModeOf(s: { inFlight: number; sinceLastMs: number; bodyChars: number }): 'sync' | 'batched' {
  return s.inFlight === 0 && s.sinceLastMs >= SYNC_GAP_MS && s.bodyChars <= SYNC_MAX_BODY_CHARS ? 'sync' : 'batched'
}

export interface LmdbHistoryStoreInit {
  /** Folder of the LMDB environment (created if missing), usually `<data-dir>/history`. */
  path: string
  /** Clock of counter-cache bookkeeping (ms). @default Date.now */
  now?: () => number
  /** Monotonic clock of the commit-mode choice (ms). @default performance.now */
  clock?: () => number
  /** See lmdb-history-query.ts. @default COUNT_SCAN_BUDGET */
  countScanBudget?: number
}

interface Dbs extends HistoryDbs {
  root: RootDatabase
  body: Database<HistoryBodies, number>
  ids: Database<number, string>
  agg: Database<AggValue, Key>
}

interface Open {
  db: Dbs
  counters: DurableCounters<number>
  aggs: DurableCounters<AggValue>
  queries: HistoryQueryRunner
  stats: LmdbTokenStats
}

const COMMITTED: Promise<void> = Promise.resolve()

export class LmdbHistoryStore implements HistoryStore {
  private o?: Open
  /** Random start: a restart within the same millisecond as a record from before cannot reuse its rk. */
  private seq = randomInt(SEQ_PER_MS)
  private total = 0
  private readonly now: () => number
  private readonly clock: () => number
  /** Async writes of ours not yet committed (appends, a retention batch): a sync transaction would wait on them. */
  private inFlight = 0
  private lastAppendAt = -Infinity

  constructor(private readonly init: LmdbHistoryStoreInit) {
    this.now = init.now ?? Date.now
    this.clock = init.clock ?? (() => performance.now())
  }

  async start(): Promise<void> {
    if (this.o) return
    await mkdir(this.init.path, { recursive: true, mode: 0o700 })
    // noSync: a commit is in the OS page cache when its promise resolves, which survives kill -9 of the
    // agent (what the history guarantee is about) without an fsync per request; the OS flushes it soon
    // after. A power cut can lose the last seconds of history, never corrupt it (LMDB is copy-on-write).
    const root = open({ path: this.init.path, maxDbs: 8, compression: false, noSync: true })
    const db: Dbs = {
      root,
      rec: root.openDB<HistoryRecord, number>({ name: 'rec' }),
      // bodies are the bulk of the bytes and compress well; LZ4 runs on the write thread
      body: root.openDB<HistoryBodies, number>({ name: 'body', compression: true }),
      ids: root.openDB<number, string>({ name: 'ids' }),
      idx: root.openDB<null, Key>({ name: 'idx' }),
      cnt: root.openDB<number, Key>({ name: 'cnt' }),
      agg: root.openDB<AggValue, Key>({ name: 'agg' })
    }
    this.o = {
      db,
      counters: new DurableCounters(db.cnt, NUMBER_SUM, this.now),
      aggs: new DurableCounters(db.agg, AGG_SUM, this.now),
      queries: new HistoryQueryRunner(db, this.init.countScanBudget),
      stats: new LmdbTokenStats(db.agg)
    }
    // native count of keys, once; kept current by append/prune afterwards
    this.total = db.rec.getCount()
  }

  async stop(): Promise<void> {
    const o = this.o
    if (!o) return
    this.o = undefined
    // close waits for outstanding writes to commit
    await o.db.root.close()
  }

  private opened(): Open {
    if (!this.o) throw new Error('history store is not started')
    return this.o
  }

  append(record: HistoryRecord, bodies?: HistoryBodies): Promise<void> {
    let o: Open
    try {
      o = this.opened()
    } catch (err) {
      return Promise.reject(err)
    }
    const t = this.clock()
    const bodyChars = bodies ? (bodies.request?.length ?? 0) + (bodies.response?.length ?? 0) : 0
    const mode = commitModeOf({ inFlight: this.inFlight, sinceLastMs: t - this.lastAppendAt, bodyChars })
    this.lastAppendAt = t
    if (mode === 'sync') {
      try {
        // puts inside transactionSync are written at once and committed when it returns
        o.db.root.transactionSync(() => this.write(o, record, bodies))
      } catch (err) {
        return Promise.reject(err)
      }
      return COMMITTED
    }
    // all in this turn, so all in one transaction (see the module comment)
    this.inFlight++
    return this.write(o, record, bodies).then(
      () => void this.inFlight--,
      (err: unknown) => {
        this.inFlight--
        throw err
      }
    )
  }

  /** Issues every put of one record; resolves when the record's put commits. */
  private write(o: Open, record: HistoryRecord, bodies?: HistoryBodies): Promise<unknown> {
    const rk = recordKey(record.ts, this.seq)
    this.seq = (this.seq + 1) % SEQ_PER_MS
    const committed = o.db.rec.put(rk, record)
    if (bodies) void o.db.body.put(rk, bodies)
    void o.db.ids.put(record.id, rk)
    for (const [dim, value] of indexEntries(record)) void o.db.idx.put(indexKey(dim, value, rk), null)
    for (const key of counterKeys(record)) o.counters.add(key, 1)
    for (const [key, delta] of aggregateUpdates(record)) o.aggs.add(key, delta)
    this.total++
    return committed
  }

  get(id: string): HistoryDetail | undefined {
    const o = this.opened()
    const rk = o.db.ids.get(id)
    const r = rk === undefined ? undefined : o.db.rec.get(rk)
    if (rk === undefined || !r) return undefined
    const b = o.db.body.get(rk)
    return { ...r, requestBody: b?.request ?? null, responseBody: b?.response ?? null, bodiesTruncated: b?.truncated ?? false }
  }

  query(q: HistoryQuery): HistoryPage {
    return this.opened().queries.query(q)
  }

  scan(filter: HistoryFilter): Iterable<HistoryRecord> {
    return this.opened().queries.scan(filter)
  }

  size(): number {
    return this.total
  }

  tokenStats(): TokenStats {
    return this.opened().stats
  }

  async prune(policy: RetentionPolicy): Promise<number> {
    let deleted = 0
    if (policy.olderThan !== undefined) {
      const end = rkOfTs(policy.olderThan)
      deleted += await this.deleteOldest((rk) => rk < end, Infinity)
    }
    if (policy.maxRecords !== undefined && this.total > policy.maxRecords) deleted += await this.deleteOldest(() => true, this.total - policy.maxRecords)
    return deleted
  }

  /** Forgets cached counters idle since before this call, once everything before it has committed. */
  async compactCache(): Promise<void> {
    const o = this.opened()
    const mark = this.now()
    await o.db.root.committed
    o.counters.evict(mark)
    o.aggs.evict(mark)
  }

  private async deleteOldest(keep: (rk: number) => boolean, max: number): Promise<number> {
    let deleted = 0
    while (deleted < max && this.o) {
      const o = this.o
      let n = 0
      for (const { key: rk, value: r } of o.db.rec.getRange({ limit: Math.min(PRUNE_BATCH, max - deleted) })) {
        if (!keep(rk)) break
        this.removeRecord(o, rk, r)
        n++
      }
      if (n === 0) break
      deleted += n
      // the next batch reads committed data: wait for these removals to land (no sync append meanwhile)
      this.inFlight++
      try {
        await o.db.root.committed
      } finally {
        this.inFlight--
      }
    }
    return deleted
  }

  /** Removes one record and everything derived from it except the token aggregates. */
  private removeRecord(o: Open, rk: number, r: HistoryRecord): void {
    void o.db.rec.remove(rk)
    void o.db.body.remove(rk)
    if (o.db.ids.get(r.id) === rk) void o.db.ids.remove(r.id)
    for (const [dim, value] of indexEntries(r)) void o.db.idx.remove(indexKey(dim, value, rk))
    for (const key of counterKeys(r)) o.counters.add(key, -1)
    this.total--
  }
}
