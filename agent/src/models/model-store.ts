/**
 * The node's model store metadata in LMDB, `<data-dir>/model-store/` (layout in specs/storage.md):
 * stored models, pulls not yet finished (so a restarted node resumes them), and a cache of file hashes
 * so a large `--model` file is hashed once, not at every start. Not replicated: each node describes
 * its own disk; the cluster view comes from gossip and peers' APIs.
 */
import { open, type Database, type RootDatabase } from 'lmdb'
import type { Logger } from 'pino'
import { z } from 'zod'
import { ModelRecordSchema, PullRecordSchema, type ModelRecord, type PullRecord } from './model-record.js'

/** A file's hash, valid while its size and modification time are unchanged. */
export const HashEntrySchema = z.object({ size: z.number(), mtimeMs: z.number(), sha256: z.string() })
export type HashEntry = z.infer<typeof HashEntrySchema>

/** Persistence of the model store; the manager keeps the live state in memory. */
export interface ModelStore {
  models(): ModelRecord[]
  model(id: string): ModelRecord | undefined
  putModel(r: ModelRecord): Promise<void>
  removeModel(id: string): Promise<void>
  pulls(): PullRecord[]
  putPull(p: PullRecord): Promise<void>
  removePull(id: string): Promise<void>
  hash(path: string): HashEntry | undefined
  putHash(path: string, h: HashEntry): Promise<void>
  close(): Promise<void>
}

/** Database names inside the environment. */
export const MODEL_STORE_DBS = { models: 'models', pulls: 'pulls', hashes: 'hashes' } as const

export class LmdbModelStore implements ModelStore {
  /** Read once at open and kept in step with every write: listing never touches the disk (or a closed env). */
  private readonly modelCache = new Map<string, ModelRecord>()
  private readonly pullCache = new Map<string, PullRecord>()

  private constructor(
    private readonly root: RootDatabase,
    private readonly db: { models: Database<unknown, string>; pulls: Database<unknown, string>; hashes: Database<unknown, string> },
    private readonly logger: Logger
  ) {
    for (const m of this.all(db.models, ModelRecordSchema)) this.modelCache.set(m.id, m)
    for (const p of this.all(db.pulls, PullRecordSchema)) this.pullCache.set(p.id, p)
  }

  /** Opens (creating) the environment at `path`. */
  static open(path: string, logger: Logger): LmdbModelStore {
    // noSync: a commit is durable once in the OS page cache, which survives kill -9 (what resuming a
    // pull needs) without an fsync on the pull's path; a power cut may lose the last registration,
    // and a re-pull then finds the verified file already in place
    const root = open({ path, maxDbs: 4, noSync: true })
    const db = {
      models: root.openDB<unknown, string>({ name: MODEL_STORE_DBS.models }),
      pulls: root.openDB<unknown, string>({ name: MODEL_STORE_DBS.pulls }),
      hashes: root.openDB<unknown, string>({ name: MODEL_STORE_DBS.hashes })
    }
    return new LmdbModelStore(root, db, logger)
  }

  /** Every valid value of a database; a malformed one (an older layout, a bug) is logged and skipped. */
  private all<T>(db: Database<unknown, string>, schema: z.ZodType<T>): T[] {
    const out: T[] = []
    for (const { key, value } of db.getRange()) {
      const r = schema.safeParse(value)
      if (r.success) out.push(r.data)
      else this.logger.warn({ key, issue: r.error.issues[0]?.message }, 'model store: malformed entry ignored')
    }
    return out
  }

  models(): ModelRecord[] {
    return [...this.modelCache.values()]
  }
  model(id: string): ModelRecord | undefined {
    return this.modelCache.get(id)
  }
  async putModel(r: ModelRecord): Promise<void> {
    this.modelCache.set(r.id, r)
    await this.db.models.put(r.id, r)
  }
  async removeModel(id: string): Promise<void> {
    this.modelCache.delete(id)
    await this.db.models.remove(id)
  }
  pulls(): PullRecord[] {
    return [...this.pullCache.values()]
  }
  async putPull(p: PullRecord): Promise<void> {
    this.pullCache.set(p.id, { ...p })
    await this.db.pulls.put(p.id, p)
  }
  async removePull(id: string): Promise<void> {
    this.pullCache.delete(id)
    await this.db.pulls.remove(id)
  }
  hash(path: string): HashEntry | undefined {
    const r = HashEntrySchema.safeParse(this.db.hashes.get(path))
    return r.success ? r.data : undefined
  }
  async putHash(path: string, h: HashEntry): Promise<void> {
    await this.db.hashes.put(path, h)
  }
  async close(): Promise<void> {
    await this.root.close()
  }
}
