/**
 * Stored responses (`store: true`, the default) in LMDB, on the node that generated them (layout in
 * specs/storage.md, "Stored responses"). One environment, `<data-dir>/responses`:
 *
 * - `resp` id → StoredResponse          the response, its input items, the conversation before it (LZ4)
 * - `time` [createdAtMs, id] → null     creation order, for retention (oldest first)
 * - `item` output item id → response id  resolves `item_reference` inputs
 *
 * Retention follows history's (`history.retentionDays`, `history.maxRecords`) through the same
 * RetentionJob. Puts resolve at their commit: a response is answered only once it can be read back.
 */
import { mkdir } from 'node:fs/promises'
import { open, type Database, type RootDatabase } from 'lmdb'
import type { RetentionPolicy } from '../../history/history-store.js'
import type { RetentionTarget } from '../../history/retention-job.js'
import type { z } from 'zod'
import type { StoredResponseSchema } from './schemas.js'

/** Responses deleted per write batch by retention (keeps each transaction short). */
export const RESPONSE_PRUNE_BATCH = 1000

/**
 * One stored response and what a follow-up needs to continue its conversation: `input` (this request's
 * items, with ids), `context` (the conversation before it: the previous response's context, input and
 * output), `owner` (`api-key:<id>`, `user:<id>`, `anonymous`: only they and admins may read it) and
 * `createdAt` (ms since the epoch).
 */
export type StoredResponse = z.infer<typeof StoredResponseSchema>

/** Where a node keeps its stored responses. */
export interface ResponseStore extends RetentionTarget {
  get(id: string): StoredResponse | undefined
  /** The id of the stored response whose output holds the item `itemId`. */
  responseOfItem(itemId: string): string | undefined
  /** Resolves once committed (readable by the next request). */
  put(stored: StoredResponse): Promise<void>
  /** True when it existed. */
  delete(id: string): Promise<boolean>
  size(): number
}

type TimeKey = [number, string]

interface Dbs {
  root: RootDatabase
  resp: Database<StoredResponse, string>
  time: Database<null, TimeKey>
  item: Database<string, string>
}

/** ResponseStore in its own LMDB environment (layout in the module comment). */
export class LmdbResponseStore implements ResponseStore {
  private db?: Dbs
  private total = 0

  /** @param path folder of the LMDB environment (created if missing), usually `<data-dir>/responses` */
  constructor(private readonly path: string) {}

  async start(): Promise<void> {
    if (this.db) return
    await mkdir(this.path, { recursive: true, mode: 0o700 })
    // noSync as history: committed writes survive kill -9 of the agent; a power cut may lose the last seconds
    const root = open({ path: this.path, maxDbs: 3, compression: false, noSync: true })
    this.db = {
      root,
      resp: root.openDB<StoredResponse, string>({ name: 'resp', compression: true }),
      time: root.openDB<null, TimeKey>({ name: 'time' }),
      item: root.openDB<string, string>({ name: 'item' })
    }
    this.total = this.db.resp.getCount()
  }

  async stop(): Promise<void> {
    const db = this.db
    this.db = undefined
    await db?.root.close()
  }

  private opened(): Dbs {
    if (!this.db) throw new Error('response store is not started')
    return this.db
  }

  get(id: string): StoredResponse | undefined {
    return this.opened().resp.get(id)
  }

  responseOfItem(itemId: string): string | undefined {
    return this.opened().item.get(itemId)
  }

  async put(stored: StoredResponse): Promise<void> {
    const db = this.opened()
    const id = stored.response.id
    const had = db.resp.get(id)
    if (had) this.removeEntries(db, had)
    else this.total++
    void db.time.put([stored.createdAt, id], null)
    for (const o of stored.response.output) void db.item.put(o.id, id)
    await db.resp.put(id, stored)
  }

  async delete(id: string): Promise<boolean> {
    const db = this.opened()
    const had = db.resp.get(id)
    if (!had) return false
    this.removeEntries(db, had)
    this.total--
    await db.resp.remove(id)
    return true
  }

  /** Removes what a stored response adds besides itself (all in the caller's turn: one transaction). */
  private removeEntries(db: Dbs, s: StoredResponse): void {
    void db.time.remove([s.createdAt, s.response.id])
    for (const o of s.response.output) void db.item.remove(o.id)
  }

  size(): number {
    return this.total
  }

  async prune(policy: RetentionPolicy): Promise<number> {
    let deleted = 0
    const older = policy.olderThan
    if (older !== undefined) deleted += await this.deleteOldest((createdAt) => createdAt < older, Infinity)
    if (policy.maxRecords !== undefined && this.total > policy.maxRecords) deleted += await this.deleteOldest(() => true, this.total - policy.maxRecords)
    return deleted
  }

  async compactCache(): Promise<void> {
    // no caches to forget
  }

  private async deleteOldest(doomed: (createdAt: number) => boolean, max: number): Promise<number> {
    let deleted = 0
    while (deleted < max && this.db) {
      const db = this.db
      let n = 0
      for (const { key } of db.time.getRange({ limit: Math.min(RESPONSE_PRUNE_BATCH, max - deleted) })) {
        if (!doomed(key[0])) break
        void db.time.remove(key)
        for (const o of db.resp.get(key[1])?.response.output ?? []) void db.item.remove(o.id)
        void db.resp.remove(key[1])
        this.total--
        n++
      }
      if (n === 0) break
      deleted += n
      // the next batch reads committed data: wait for these removals to land
      await db.root.committed
    }
    return deleted
  }
}
