/**
 * Pulls from a Hugging Face hub onto this node: resolve → room check → download each file with resume
 * → SHA-256 verified → moved into the store → GGUF header read → registered. A pull is persisted until
 * done, so a node killed mid-download resumes it at its next start from the bytes already on disk.
 * Asking twice for the same files joins the running pull: one download per file.
 */
import { mkdir, rename, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Logger } from 'pino'
import { InvalidRequestError } from '../errors/errors.js'
import { checkRoom, roomLeft } from './disk-space.js'
import { downloadClient, downloadFile } from './hf/download.js'
import { OffThreadHash } from './hf/hash-worker.js'
import { resolvePlan, resolveUrl, type HubConfig, type HubPlan } from './hf/hub-client.js'
import { parseHubSource } from './hf/hub-source.js'
import { readGgufFacts, type GgufFacts } from './gguf-metadata.js'
import type { ModelRecord, PullRecord } from './model-record.js'
import type { ModelStore } from './model-store.js'

/** Window of the download rate shown with a pull (ms). */
export const RATE_WINDOW_MS = 2000
/** Fastest rate of `change` events while bytes arrive (ms). */
export const PROGRESS_EVENT_MS = 200

export interface PullManagerDeps {
  store: ModelStore
  /** Folder of the store; pulled files go under `hf/`, partial ones under `.partial/`. */
  modelsDir: string
  hub: HubConfig
  /** Size limit of the store (bytes); unset: the disk's free space is the only limit. */
  maxStoreBytes?: number
  logger: Logger
  /** Called with each newly registered model (the manager loads it). */
  onRegistered: (r: ModelRecord) => Promise<void>
  now?: () => number
}

/** Folder of a repo's files inside the store. */
export const repoDir = (modelsDir: string, repo: string): string => join(modelsDir, 'hf', repo.replace('/', '--'))

export class PullManager extends EventTarget {
  private readonly live = new Map<string, PullRecord>()
  private readonly running = new Map<string, Promise<void>>()
  /** One download per file (by SHA-256), shared by every pull that needs it. */
  private readonly fileJobs = new Map<string, Promise<void>>()
  private readonly starting = new Map<string, Promise<PullRecord>>()
  private readonly aborter = new AbortController()
  private readonly client = downloadClient()
  /**
   * A hashing thread kept ready from the node's start, and given back after each download: a new
   * thread takes 40–100 ms to answer and its ring 8 MiB of fresh memory, which held a pull's first
   * bytes (specs/models.md, Benchmark). A second pull at the same time starts its own.
   */
  private spareHash: OffThreadHash | undefined = new OffThreadHash()
  private pendingEvent?: NodeJS.Timeout
  private readonly now: () => number

  constructor(private readonly deps: PullManagerDeps) {
    super()
    this.now = deps.now ?? Date.now
    for (const p of deps.store.pulls()) this.live.set(p.id, p)
  }

  /** Every pull this node knows: running, failed, and those done since it started. */
  list(): PullRecord[] {
    return [...this.live.values()].sort((a, b) => a.startedAt - b.startedAt)
  }

  /** Restarts the pulls a previous run left unfinished. */
  resume(): void {
    for (const p of this.live.values()) if (p.state !== 'done' && p.state !== 'failed') this.run(p)
  }

  /**
   * Starts (or joins) a pull. Resolves once the files are known and fit (the download goes on);
   * throws the hub's and the room check's errors, and InvalidRequestError for a bad source.
   */
  async pull(sourceText: string, quant?: string): Promise<PullRecord> {
    const source = parseHubSource(sourceText)
    if ('error' in source) throw new InvalidRequestError(source.error, 'source')
    const plan = await resolvePlan(source, this.deps.hub, quant, this.client.fetch)
    const first = plan.files[0]
    if (!first) throw new InvalidRequestError(`${plan.repo}: nothing to pull`, 'source')
    const id = `${plan.repo}@${plan.revision}:${first.path}`
    const existing = this.live.get(id)
    if (existing && existing.state !== 'failed') return existing
    // a second request while the first is still checking room joins it
    const starting = this.starting.get(id)
    if (starting) return starting
    const start = this.start(id, plan, quant).finally(() => this.starting.delete(id))
    this.starting.set(id, start)
    return start
  }

  private async start(id: string, plan: HubPlan, quant: string | undefined): Promise<PullRecord> {
    const first = plan.files[0] as NonNullable<(typeof plan.files)[number]>
    const stored = this.deps.store.model(plan.modelId)
    if (stored && stored.sha256 === first.sha256) {
      const done = this.record(id, plan, quant, 'done')
      done.files = done.files.map((f) => ({ ...f, received: f.size }))
      this.live.set(id, done)
      this.changed()
      return done
    }
    const rec = this.record(id, plan, quant, 'queued')
    const dir = repoDir(this.deps.modelsDir, plan.repo)
    await mkdir(join(this.deps.modelsDir, '.partial'), { recursive: true })
    let need = 0
    for (const f of rec.files) {
      const have = await this.bytesOnDisk(join(dir, f.name), this.partPath(f.sha256), f.size)
      need += f.size - have
    }
    await checkRoom(this.deps.modelsDir, need, { usedBytes: this.usedBytes(), maxStoreBytes: this.deps.maxStoreBytes })
    this.live.set(id, rec)
    // the download starts while the record is committed: a crash before the commit leaves a
    // `.part` file that the next pull of it resumes (bytesOnDisk)
    this.run(rec)
    await this.deps.store.putPull(rec)
    return rec
  }

  /** Stops every download (their `.part` files stay for the next start). */
  async stop(): Promise<void> {
    this.aborter.abort()
    if (this.pendingEvent) clearTimeout(this.pendingEvent)
    await this.spareHash?.close()
    this.spareHash = undefined
    await Promise.allSettled([...this.running.values()])
    await this.client.close()
  }

  /** Forgets a finished or failed pull. */
  async forget(id: string): Promise<void> {
    const p = this.live.get(id)
    if (p && (p.state === 'done' || p.state === 'failed')) {
      this.live.delete(id)
      await this.deps.store.removePull(id)
      this.changed()
    }
  }

  private record(id: string, plan: HubPlan, quant: string | undefined, state: PullRecord['state']): PullRecord {
    const t = this.now()
    const files = [...plan.files, ...(plan.mmproj ? [plan.mmproj] : [])]
    return {
      id,
      modelId: plan.modelId,
      repo: plan.repo,
      revision: plan.revision,
      endpoint: this.deps.hub.endpoint,
      quant: quant ?? null,
      choice: `${plan.quant}: ${plan.reason}`,
      files: files.map((f) => ({ name: f.path, size: f.size, sha256: f.sha256 ?? '', received: 0 })),
      mmproj: plan.mmproj?.path ?? null,
      state,
      error: null,
      bytesPerSecond: 0,
      startedAt: t,
      updatedAt: t
    }
  }

  private partPath(sha256: string): string {
    return join(this.deps.modelsDir, '.partial', `${sha256}.part`)
  }

  private takeHash(): OffThreadHash {
    const h = this.spareHash ?? new OffThreadHash()
    this.spareHash = undefined
    return h
  }

  /** Keeps `h` as the spare when there is none and it can serve again, else ends its thread. */
  private async giveBack(h: OffThreadHash): Promise<void> {
    if (!this.spareHash && !this.aborter.signal.aborted && (await h.recycle()) && !this.spareHash && !this.aborter.signal.aborted) this.spareHash = h
    else await h.close()
  }

  private async bytesOnDisk(finalPath: string, partPath: string, size: number): Promise<number> {
    const fin = await stat(finalPath).then((s) => s.size, () => -1)
    if (fin === size) return size
    return stat(partPath).then((s) => Math.min(s.size, size), () => 0)
  }

  /** Bytes the store may still take (disk free space and the store's size limit). */
  async roomLeft(): Promise<number> {
    return roomLeft(this.deps.modelsDir, { usedBytes: this.usedBytes(), maxStoreBytes: this.deps.maxStoreBytes })
  }

  /** Bytes stored plus bytes still to come for running pulls (what the size limit counts). */
  private usedBytes(): number {
    let used = 0
    for (const m of this.deps.store.models()) if (m.source.kind === 'hf') used += m.sizeBytes
    for (const p of this.live.values()) if (p.state !== 'done' && p.state !== 'failed') for (const f of p.files) used += f.size
    return used
  }

  private changed(): void {
    if (this.pendingEvent) return
    this.pendingEvent = setTimeout(() => {
      this.pendingEvent = undefined
      this.dispatchEvent(new CustomEvent('change', { detail: this.list() }))
    }, PROGRESS_EVENT_MS)
    this.pendingEvent.unref()
  }

  private run(rec: PullRecord): void {
    if (this.running.has(rec.id)) return
    const job = this.execute(rec)
      .catch(async (err: unknown) => {
        if (this.aborter.signal.aborted) return
        rec.state = 'failed'
        rec.error = (err as Error).message
        rec.updatedAt = this.now()
        this.deps.logger.warn({ pull: rec.id, err: rec.error }, 'model pull failed')
        await this.deps.store.putPull(rec).catch(() => undefined)
      })
      .finally(() => {
        this.running.delete(rec.id)
        this.changed()
      })
    this.running.set(rec.id, job)
  }

  private async execute(rec: PullRecord): Promise<void> {
    const dir = repoDir(this.deps.modelsDir, rec.repo)
    rec.state = 'downloading'
    rec.error = null
    // not awaited: the record is already stored (pull() waited for it); the state is for the views
    void this.deps.store.putPull(rec).catch(() => undefined)
    this.changed()
    const samples: { t: number; bytes: number }[] = []
    const total = (): number => rec.files.reduce((s, f) => s + f.received, 0)
    const model = rec.files.find((f) => f.name !== rec.mmproj)
    // the header read, started once half the model file is on disk (see EarlyFacts)
    let early: EarlyFacts | undefined
    const progress = (f: PullRecord['files'][number]) => (received: number) => {
      // a download that started over (the server ignored the range) drops a header read of the old bytes
      if (received < f.received) early = undefined
      f.received = received
      if (f === model && !early && received >= f.size / 2) early = earlyFacts(this.partPath(f.sha256), rec.mmproj !== null, f.name)
      const t = this.now()
      samples.push({ t, bytes: total() })
      while (samples.length > 2 && (samples[0]?.t ?? t) < t - RATE_WINDOW_MS) samples.shift()
      const first = samples[0]
      rec.bytesPerSecond = first && t > first.t ? ((total() - first.bytes) * 1000) / (t - first.t) : 0
      rec.updatedAt = t
      this.changed()
    }
    for (const f of rec.files) {
      const finalPath = join(dir, f.name)
      if ((await stat(finalPath).then((s) => s.size, () => -1)) === f.size) {
        f.received = f.size
        continue
      }
      let job = this.fileJobs.get(f.sha256)
      if (!job) {
        const hash = this.takeHash()
        job = downloadFile({
          url: resolveUrl(this.deps.hub, rec.repo, rec.revision, f.name),
          client: this.client,
          token: this.deps.hub.token,
          repo: rec.repo,
          file: f.name,
          partPath: this.partPath(f.sha256),
          size: f.size,
          sha256: f.sha256,
          onProgress: progress(f),
          hash,
          signal: this.aborter.signal
        }).finally(() => void this.giveBack(hash).catch(() => undefined)).then(async () => {
          await mkdir(dirname(finalPath), { recursive: true })
          await rename(this.partPath(f.sha256), finalPath)
        })
        this.fileJobs.set(f.sha256, job)
        void job.finally(() => this.fileJobs.delete(f.sha256)).catch(() => undefined)
      }
      await job
      f.received = f.size
    }
    rec.state = 'verifying'
    this.changed()
    const record = await this.register(rec, dir, early)
    await this.deps.store.putModel(record)
    rec.state = 'done'
    rec.bytesPerSecond = 0
    rec.updatedAt = this.now()
    // a done pull is not resumed: only its in-memory row stays, for the views
    await this.deps.store.removePull(rec.id)
    this.deps.logger.info({ model: record.id, repo: rec.repo, bytes: record.sizeBytes }, 'model pulled')
    await this.deps.onRegistered(record)
  }

  private async register(rec: PullRecord, dir: string, early: EarlyFacts | undefined): Promise<ModelRecord> {
    const parts = rec.files.filter((f) => f.name !== rec.mmproj)
    const first = parts[0]
    if (!first) throw new Error('pull without a model file')
    const path = join(dir, first.name)
    const mmproj = rec.mmproj ? join(dir, rec.mmproj) : null
    // the early read is of the same bytes, which the SHA-256 has verified since; if it failed (the
    // header was not all there yet, or a size check saw half a file) the header is read now
    const facts = (await early) ?? (await readGgufFacts(path, mmproj !== null))
    return {
      id: rec.modelId,
      path,
      files: rec.files.map((f) => join(dir, f.name)),
      mmproj,
      ...facts,
      sizeBytes: rec.files.reduce((s, f) => s + f.size, 0),
      sha256: first.sha256,
      fileHashes: Object.fromEntries(rec.files.map((f) => [join(dir, f.name), f.sha256])),
      source: { kind: 'hf', repo: rec.repo, revision: rec.revision, endpoint: rec.endpoint },
      addedAt: this.now()
    }
  }
}

/**
 * A model's header read while its download goes on, once half the file is on disk: the read (~10–30
 * ms of a fresh 2 MB buffer and parsing here) then overlaps the transfer instead of following it.
 * Undefined when it failed; the header is then read after the download.
 */
type EarlyFacts = Promise<GgufFacts | undefined>

async function earlyFacts(partPath: string, hasProjector: boolean, fileName: string): EarlyFacts {
  try {
    // what is on disk now is final (the file only grows): the header must end inside it
    const written = (await stat(partPath)).size
    return await readGgufFacts(partPath, hasProjector, fileName, written)
  } catch {
    return undefined
  }
}
