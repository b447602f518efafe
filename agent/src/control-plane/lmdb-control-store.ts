/**
 * `ControlStore` persisted in LMDB at `<data-dir>/control/` (layout in specs/storage.md, "control
 * plane"): the whole map is loaded into memory at open (control data is small), reads never touch the
 * disk, local writes are awaited (an admin's "created" means durable), merged peer entries are written
 * without awaiting (LMDB batches the puts of one tick into one transaction; a crash before commit only
 * loses what anti-entropy brings back).
 */
import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { open, type Database, type RootDatabase } from 'lmdb'
import type { Logger } from 'pino'
import { bootstrapHlc, ClockDriftError, HybridClock, type Hlc } from './hlc.js'
import { EntrySchema, type ControlEntry } from './entry.js'
import { LwwMap } from './lww-map.js'
import type { ChangeListener, ChangeOrigin, ControlStore } from './control-store.js'

/** Name of the LMDB sub-database holding the replicated entries. */
export const ENTRIES_DB = 'entries'
/** Name of the LMDB sub-database holding this replica's own, unreplicated facts. */
export const LOCAL_DB = 'local'
/** Key in LOCAL_DB of this replica's id. */
export const NODE_ID_KEY = 'node-id'

interface StoredEntry {
  h: Hlc
  v: unknown
}

export interface LmdbControlStoreInit {
  /** Folder of the LMDB environment (created 0700 if missing), usually `<data-dir>/control`. */
  path: string
  logger: Logger
  /** Physical clock (ms). @default Date.now */
  now?: () => number
}

export class LmdbControlStore implements ControlStore {
  private readonly listeners = new Set<ChangeListener>()
  private closed = false

  private constructor(
    readonly nodeId: string,
    private readonly root: RootDatabase,
    private readonly db: Database<StoredEntry, string>,
    private readonly map: LwwMap,
    private readonly log: Logger
  ) {}

  /** Opens (or creates) the store and loads every entry. */
  static async open(init: LmdbControlStoreInit): Promise<LmdbControlStore> {
    await mkdir(init.path, { recursive: true, mode: 0o700 })
    const root = open({ path: init.path, maxDbs: 4 })
    const local = root.openDB<string, string>({ name: LOCAL_DB })
    let nodeId = local.get(NODE_ID_KEY)
    if (nodeId === undefined) {
      nodeId = randomBytes(8).toString('hex')
      await local.put(NODE_ID_KEY, nodeId)
    }
    const db = root.openDB<StoredEntry, string>({ name: ENTRIES_DB })
    const clock = new HybridClock(nodeId, init.now)
    const map = new LwwMap(clock)
    const log = init.logger.child({ component: 'control-store' })
    let dropped = 0
    for (const { key, value } of db.getRange()) {
      const parsed = EntrySchema.safeParse({ k: key, h: value?.h, v: value?.v ?? null })
      if (!parsed.success) {
        dropped++
        continue
      }
      map.setAt(parsed.data.k, parsed.data.v ?? null, parsed.data.h)
      // never issue a timestamp below one we issued before a restart (even if the wall clock went back)
      if (parsed.data.h.w > 0) observeQuietly(clock, parsed.data.h)
    }
    if (dropped > 0) log.warn({ dropped }, 'unreadable control entries ignored')
    log.debug({ entries: map.size(), nodeId }, 'control store opened')
    return new LmdbControlStore(nodeId, root, db, map, log)
  }

  get(key: string): unknown {
    return this.map.get(key)
  }

  entry(key: string): ControlEntry | undefined {
    return this.map.entry(key)
  }

  list(prefix: string): ControlEntry[] {
    return this.map.list(prefix)
  }

  async set(key: string, value: unknown): Promise<ControlEntry> {
    return this.writeLocal(this.map.set(key, value))
  }

  async delete(key: string): Promise<ControlEntry> {
    return this.writeLocal(this.map.delete(key))
  }

  async setDefault(key: string, value: unknown, createdAtMs: number): Promise<ControlEntry | undefined> {
    const e = this.map.setAt(key, value, bootstrapHlc(this.nodeId, createdAtMs))
    return e === undefined ? undefined : this.writeLocal(e)
  }

  merge(entries: readonly ControlEntry[]): ControlEntry[] {
    const applied: ControlEntry[] = []
    for (const e of entries) {
      try {
        if (this.map.merge(e)) applied.push(e)
      } catch (err) {
        if (!(err instanceof ClockDriftError)) throw err
        this.log.warn({ key: e.k, node: e.h.n, driftMs: err.driftMs }, 'control entry from a clock too far ahead skipped')
      }
    }
    if (applied.length === 0) return applied
    for (const e of applied) this.db.put(e.k, { h: e.h, v: e.v }).catch((err: unknown) => this.log.error({ err, key: e.k }, 'control entry not persisted'))
    this.emit(applied, 'remote')
    return applied
  }

  digest(): string[] {
    return this.map.digest()
  }

  differingBuckets(other: readonly string[] | undefined): number[] {
    return this.map.differingBuckets(other)
  }

  inBuckets(buckets: readonly number[]): ControlEntry[] {
    return this.map.inBuckets(buckets)
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.listeners.clear()
    await this.root.close()
  }

  private async writeLocal(e: ControlEntry): Promise<ControlEntry> {
    await this.db.put(e.k, { h: e.h, v: e.v })
    this.emit([e], 'local')
    return e
  }

  private emit(entries: readonly ControlEntry[], origin: ChangeOrigin): void {
    for (const l of this.listeners) {
      try {
        l(entries, origin)
      } catch (err) {
        this.log.error({ err }, 'control change listener failed')
      }
    }
  }
}

function observeQuietly(clock: HybridClock, h: Hlc): void {
  try {
    clock.observe(h)
  } catch {
    // a stored timestamp from a far-future clock: keep it, but do not drag our clock there
  }
}
