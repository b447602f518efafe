/**
 * The load policy of one node: loads stored models on demand (one load per model at a time, the
 * request waits), unloads idle ones after their keep-alive, and keeps loaded models within a memory
 * budget — the least recently used idle model is unloaded to make room, otherwise the load is refused
 * with `insufficient_memory`. It measures load times to estimate the next cold load from a model's
 * size (advertised, so routers count it in the expected finish time).
 */
import { totalmem } from 'node:os'
import type { Logger } from 'pino'
import type { InferenceRuntime } from '../../../native-runtime/src/index.js'
import type { ModelAdvert } from '../../../mesh/src/index.js'
import { AgentError } from '../errors/errors.js'
import type { StoredModelFacts } from '../scheduler/candidates.js'
import { fmtBytes } from './model-errors.js'
import type { ModelRecord } from './model-record.js'
import { coldLoadMs, estimateMemoryBytes, evictionsFor, idleExpired, nextDiskSpeed, PRIOR_DISK_BYTES_PER_SECOND, type LoadedModel } from './load-policy.js'

/** Share of RAM loaded models may take by default. */
export const DEFAULT_MEMORY_SHARE = 0.9
/** How often idle models are looked for (ms); at most a quarter of the shortest keep-alive. */
export const IDLE_CHECK_MAX_MS = 30_000
/** Retry-After of an insufficient_memory answer (s). */
export const INSUFFICIENT_MEMORY_RETRY_S = 5

/** Loading would exceed the memory budget and no idle model can make room. */
export class InsufficientMemoryError extends AgentError {
  constructor(model: string, needBytes: number, budgetBytes: number, usedBytes: number) {
    super(
      'insufficient_memory',
      `Model '${model}' needs about ${fmtBytes(needBytes)} of memory; the budget of this node is ${fmtBytes(budgetBytes)} and ${fmtBytes(usedBytes)} of it is held by models serving requests now`,
      { headers: { 'retry-after': String(INSUFFICIENT_MEMORY_RETRY_S) } }
    )
  }
}

export interface LoadPolicyInit {
  slots: number
  contextSize: number
  keepAliveMs: number
  keepAliveByModel: Record<string, number>
  /** @default DEFAULT_MEMORY_SHARE of the RAM */
  memoryBudgetBytes?: number
}

export interface LoadManagerDeps {
  runtime: InferenceRuntime
  /** The stored record of a model. */
  record: (id: string) => ModelRecord | undefined
  records: () => ModelRecord[]
  /** Requests running or queued on a model (the admission queue). */
  busy: (id: string) => number
  logger: Logger
  now?: () => number
}

export class LoadManager {
  private readonly lastUsed = new Map<string, number>()
  private readonly loading = new Map<string, Promise<void>>()
  private diskBytesPerSecond = PRIOR_DISK_BYTES_PER_SECOND
  private timer?: NodeJS.Timeout
  private readonly now: () => number
  readonly budgetBytes: number

  constructor(
    private readonly deps: LoadManagerDeps,
    private readonly init: LoadPolicyInit
  ) {
    this.now = deps.now ?? Date.now
    this.budgetBytes = init.memoryBudgetBytes ?? Math.floor(totalmem() * DEFAULT_MEMORY_SHARE)
  }

  /** Starts the idle check. */
  start(): void {
    const shortest = Math.min(this.init.keepAliveMs || Infinity, ...Object.values(this.init.keepAliveByModel).filter((v) => v > 0))
    if (!Number.isFinite(shortest)) return
    this.timer = setInterval(() => void this.unloadIdle(), Math.max(100, Math.min(IDLE_CHECK_MAX_MS, shortest / 4)))
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }

  keepAliveOf(id: string): number {
    return this.init.keepAliveByModel[id] ?? this.init.keepAliveMs
  }

  /** Memory a stored model takes loaded here (bytes, estimated). */
  needOf(r: ModelRecord): number {
    return estimateMemoryBytes(r.sizeBytes, r.kvBytesPerToken, Math.min(this.init.contextSize, r.contextLength || this.init.contextSize), this.init.slots)
  }

  /** Loaded, loading, or failed to load: none of them is a cold model a request may load. */
  private notCold(id: string): boolean {
    // a failed model is not retried by requests: a GGUF that aborts llama.cpp would take the runtime
    // down at every request; `llmlb models load` retries it by hand. A load this manager started (a
    // pull's registration, a cold request, `models load`) stays cold until it ends: the runtime shows
    // no capabilities before its first load completes, and a request in that window joins the load
    // (ensureLoaded) instead of being refused for a capability the placeholder lacks.
    return this.deps.runtime.models().some((m) => m.id === id && (m.state === 'loaded' || m.state === 'failed' || (m.state === 'loading' && !this.loading.has(id))))
  }

  /** A stored model that is not loaded here (or is being loaded by this manager), as a routing candidate's facts. */
  stored(id: string): StoredModelFacts | undefined {
    const r = this.deps.record(id)
    if (!r || this.notCold(id) || !r.capabilities) return undefined
    return { capabilities: r.capabilities, contextLength: r.contextLength, slotsTotal: this.init.slots, coldLoadMs: coldLoadMs(r.sizeBytes, this.diskBytesPerSecond) }
  }

  /** Adverts of the stored models that are not loaded (gossiped with `loaded: false`). */
  adverts(): ModelAdvert[] {
    const out: ModelAdvert[] = []
    for (const r of this.deps.records()) {
      const s = this.stored(r.id)
      if (!s) continue
      out.push({ id: r.id, capabilities: r.capabilities, loaded: false, contextLength: r.contextLength, quantization: r.quantization.slice(0, 32), sizeBytes: r.sizeBytes, slotsTotal: this.init.slots, slotsBusy: 0, queueDepth: 0, tokensPerSecond: 0, avgServiceMs: 0, coldLoadMs: s.coldLoadMs })
    }
    return out
  }

  touch(id: string): void {
    this.lastUsed.set(id, this.now())
  }

  /** Loads `id` unless loaded; concurrent callers share one load. */
  ensureLoaded(id: string, signal?: AbortSignal): Promise<void> {
    if (this.deps.runtime.models().some((m) => m.id === id && m.state === 'loaded')) return Promise.resolve()
    let p = this.loading.get(id)
    if (!p) {
      p = this.loadNow(id).finally(() => this.loading.delete(id))
      this.loading.set(id, p)
    }
    if (!signal) return p
    // the caller may give up waiting; the load goes on for the next request
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
    })
  }

  /** Memory the loaded (and loading) models are estimated to hold (bytes). */
  usedBytes(): number {
    return this.loadedModels().reduce((s, m) => s + m.bytes, 0)
  }

  private loadedModels(): LoadedModel[] {
    const out: LoadedModel[] = []
    for (const m of this.deps.runtime.models()) {
      if (m.state !== 'loaded' && m.state !== 'loading') continue
      const r = this.deps.record(m.id)
      out.push({ id: m.id, bytes: r ? this.needOf(r) : m.sizeBytes, lastUsed: this.lastUsed.get(m.id) ?? 0, busy: this.deps.busy(m.id) + (m.state === 'loading' ? 1 : 0) })
    }
    return out
  }

  private async loadNow(id: string): Promise<void> {
    const r = this.deps.record(id)
    if (!r) throw new AgentError('not_found', `No model '${id}' is stored on this node`)
    const need = this.needOf(r)
    const loaded = this.loadedModels()
    const evict = evictionsFor(loaded, need, this.budgetBytes)
    if (evict === null) throw new InsufficientMemoryError(id, need, this.budgetBytes, loaded.filter((m) => m.busy > 0).reduce((s, m) => s + m.bytes, 0))
    for (const victim of evict) {
      this.deps.logger.info({ model: victim, for: id, needBytes: need, budgetBytes: this.budgetBytes }, 'model unloaded to make room (least recently used)')
      await this.deps.runtime.unload(victim)
    }
    const t0 = this.now()
    await this.deps.runtime.load({ id: r.id, path: r.path, slots: this.init.slots, contextSize: this.init.contextSize, ...(r.mmproj ? { mmproj: r.mmproj } : {}) })
    const ms = this.now() - t0
    this.diskBytesPerSecond = nextDiskSpeed(this.diskBytesPerSecond, r.sizeBytes, ms)
    this.lastUsed.set(id, this.now())
    this.deps.logger.info({ model: id, ms, needBytes: need }, 'model loaded')
  }

  /** Unloads the models idle past their keep-alive. */
  async unloadIdle(): Promise<void> {
    for (const id of idleExpired(this.loadedModels(), (x) => this.keepAliveOf(x), this.now())) {
      if (this.loading.has(id)) continue
      this.deps.logger.info({ model: id, keepAliveMs: this.keepAliveOf(id) }, 'idle model unloaded (keep-alive passed)')
      await this.deps.runtime.unload(id).catch((err: unknown) => this.deps.logger.warn({ model: id, err: (err as Error).message }, 'idle unload failed'))
    }
  }
}
