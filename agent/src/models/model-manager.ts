/**
 * The node's models: the store's records (local files and pulls), their runtime state, and the
 * operations on them (pull, load, unload, remove). Local files (`--model`, `*.gguf` in the models
 * dir) are registered the same way as pulled ones: header read, SHA-256 computed once per
 * (size, mtime) and kept in the store.
 */
import { mkdir, rm, stat } from 'node:fs/promises'
import type { Logger } from 'pino'
import type { InferenceRuntime } from '../../../native-runtime/src/index.js'
import { readGgufFacts } from './gguf-metadata.js'
import { sha256File } from './file-hash.js'
import { StoredModelNotFoundError } from './model-errors.js'
import type { ModelRecord, PullRecord } from './model-record.js'
import { LmdbModelStore, type ModelStore } from './model-store.js'
import { PullManager, repoDir } from './pull-manager.js'
import type { HubConfig } from './hf/hub-client.js'
import { LoadManager, type LoadPolicyInit } from './load-manager.js'
import { Catalog } from './catalog.js'

/** A stored model as the API shows it: its record (without the template text) and its runtime state. */
export interface StoredModelView extends Omit<ModelRecord, 'chatTemplate'> {
  /** `stored` (on disk, not loaded), `loading`, `loaded`, `failed`. */
  state: 'stored' | 'loading' | 'loaded' | 'failed'
  hasChatTemplate: boolean
  /** Estimated memory when loaded (bytes; see load-policy.ts). */
  memoryBytes: number
  /** Keep-alive of the model (ms; 0: never unloaded when idle). */
  keepAliveMs: number
  error?: string
}

/** How often the free disk space gossiped with the node's capacity is read again (ms). */
export const DISK_REFRESH_MS = 5000

/** Room for one more model on this node (gossiped; see NodeState.capacity). */
export interface NodeCapacity {
  memoryBudgetBytes: number
  /** The budget less what loaded models are estimated to hold. */
  memoryFreeBytes: number
  /** What the model store may still take on disk. */
  diskFreeBytes: number
}

export interface ModelManagerInit extends LoadPolicyInit {
  dataDir: string
  modelsDir: string
  hub: HubConfig
  maxStoreBytes?: number
}

export class ModelManager extends EventTarget {
  readonly pulls: PullManager
  /** On-demand loads, keep-alive, memory budget (the request path's ColdModels). */
  readonly loads: LoadManager
  private readonly store: ModelStore
  private closed = false
  private diskFreeBytes = 0
  private diskTimer?: NodeJS.Timeout

  constructor(
    private readonly runtime: InferenceRuntime,
    private readonly init: ModelManagerInit,
    private readonly logger: Logger,
    busy: (id: string) => number = () => 0
  ) {
    super()
    this.store = LmdbModelStore.open(`${init.dataDir}/model-store`, logger)
    this.loads = new LoadManager({ runtime, record: (id) => this.store.model(id), records: () => this.store.models(), busy, logger }, init)
    this.pulls = new PullManager({
      store: this.store,
      modelsDir: init.modelsDir,
      hub: init.hub,
      maxStoreBytes: init.maxStoreBytes,
      logger,
      onRegistered: (r) => this.loadQuietly(r)
    })
    const changed = (): void => {
      if (!this.closed) this.dispatchEvent(new CustomEvent('change'))
    }
    this.pulls.addEventListener('change', changed)
    runtime.addEventListener('models:change', changed)
  }

  /** Registers the local files, loads every stored model, resumes unfinished pulls. */
  async start(localFiles: { id: string; path: string; mmproj?: string }[]): Promise<void> {
    // local records describe what this run was given: a file no longer named is forgotten
    const given = new Set(localFiles.map((f) => f.path))
    for (const r of this.store.models()) if (r.source.kind === 'local' && !given.has(r.path)) await this.store.removeModel(r.id)
    const unhashed: ModelRecord[] = []
    for (const f of localFiles) {
      try {
        const r = await this.registerLocal(f.id, f.path, f.mmproj ?? null)
        if (r.sha256 === '') unhashed.push(r)
      } catch (err) {
        this.logger.error({ model: f.id, path: f.path, err: (err as Error).message }, 'model file not registered')
      }
    }
    for (const r of this.store.models()) await this.loadQuietly(r)
    this.loads.start()
    this.pulls.resume()
    await this.refreshDisk()
    this.diskTimer = setInterval(() => void this.refreshDisk(), DISK_REFRESH_MS)
    this.diskTimer.unref()
    // hashing a 40 GB file takes minutes: it runs after the models serve
    void this.hashInBackground(unhashed)
  }

  async stop(): Promise<void> {
    this.closed = true
    clearInterval(this.diskTimer)
    this.loads.stop()
    await this.pulls.stop()
    await this.store.close()
  }

  /** Every stored model with its state. */
  list(): StoredModelView[] {
    const live = new Map(this.runtime.models().map((m) => [m.id, m]))
    return this.store.models().map((r) => {
      const { chatTemplate, ...rest } = r
      const m = live.get(r.id)
      const state = !m || m.state === 'unloaded' ? 'stored' : m.state
      return { ...rest, hasChatTemplate: chatTemplate !== null, memoryBytes: this.loads.needOf(r), keepAliveMs: this.loads.keepAliveOf(r.id), state, ...(m?.error ? { error: m.error } : {}) }
    })
  }

  /** Room for another model; the disk figure is at most DISK_REFRESH_MS old (no I/O here). */
  capacity(): NodeCapacity {
    const budget = this.loads.budgetBytes
    return { memoryBudgetBytes: budget, memoryFreeBytes: Math.max(0, budget - this.loads.usedBytes()), diskFreeBytes: this.diskFreeBytes }
  }

  private async refreshDisk(): Promise<void> {
    try {
      await mkdir(this.init.modelsDir, { recursive: true })
      this.diskFreeBytes = await this.pulls.roomLeft()
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'free disk space not read')
    }
  }

  record(id: string): ModelRecord | undefined {
    return this.store.model(id)
  }

  pullList(): PullRecord[] {
    return this.pulls.list()
  }

  /**
   * Starts (or joins) a pull: `source` is a hub source or a catalog name (then its repo and default
   * quantization, or `quant`).
   */
  async pull(source: string, quant?: string): Promise<PullRecord> {
    const entry = !source.includes('/') && this.catalog ? this.catalog.find(source) : undefined
    if (entry) return this.pulls.pull(Catalog.sourceOf(entry, quant), quant)
    return this.pulls.pull(source, quant)
  }

  /** The node's catalog (set by the composition root). */
  catalog?: Catalog

  /** Loads a stored model (resolves when loaded). */
  async load(id: string): Promise<void> {
    const r = this.store.model(id)
    if (!r) throw new StoredModelNotFoundError(id)
    await this.loads.ensureLoaded(id)
  }

  async unload(id: string): Promise<void> {
    if (!this.store.model(id)) throw new StoredModelNotFoundError(id)
    if (this.runtime.models().some((m) => m.id === id && m.state !== 'unloaded')) await this.runtime.unload(id)
  }

  /** Unloads and forgets a model; deletes the files of a pulled one (a local file stays where it is). */
  async remove(id: string): Promise<ModelRecord> {
    const r = this.store.model(id)
    if (!r) throw new StoredModelNotFoundError(id)
    await this.unload(id)
    await this.store.removeModel(id)
    if (r.source.kind === 'hf') {
      for (const f of r.files) await rm(f, { force: true })
      for (const p of this.pulls.list()) if (p.modelId === id) await this.pulls.forget(p.id)
      // the repo folder goes when its last model goes
      const dir = repoDir(this.init.modelsDir, r.source.repo)
      if (!this.store.models().some((m) => m.path.startsWith(dir))) await rm(dir, { recursive: true, force: true })
    }
    this.logger.info({ model: id }, 'model removed')
    this.dispatchEvent(new CustomEvent('change'))
    return r
  }

  private async loadQuietly(r: ModelRecord): Promise<void> {
    try {
      await this.load(r.id)
    } catch (err) {
      this.logger.error({ model: r.id, path: r.path, err: (err as Error).message }, 'model failed to load')
    }
  }

  private async registerLocal(id: string, path: string, mmproj: string | null): Promise<ModelRecord> {
    const st = await stat(path)
    const prev = this.store.model(id)
    const cached = this.store.hash(path)
    const sha256 = cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs ? cached.sha256 : ''
    if (prev && prev.path === path && prev.mmproj === mmproj && prev.sha256 === sha256 && sha256 !== '') return prev
    const facts = await readGgufFacts(path, mmproj !== null)
    const r: ModelRecord = {
      id,
      path,
      files: [path],
      mmproj,
      ...facts,
      sizeBytes: st.size,
      sha256,
      fileHashes: sha256 ? { [path]: sha256 } : {},
      source: { kind: 'local' },
      addedAt: prev?.addedAt ?? Date.now()
    }
    await this.store.putModel(r)
    return r
  }

  private async hashInBackground(records: ModelRecord[]): Promise<void> {
    for (const r of records) {
      try {
        const st = await stat(r.path)
        const sha256 = await sha256File(r.path)
        await this.store.putHash(r.path, { size: st.size, mtimeMs: st.mtimeMs, sha256 })
        const now = this.store.model(r.id)
        if (now && now.path === r.path) await this.store.putModel({ ...now, sha256, fileHashes: { [r.path]: sha256 } })
      } catch (err) {
        this.logger.warn({ model: r.id, err: (err as Error).message }, 'model file not hashed')
      }
    }
  }
}
