/**
 * One engine as a model backend: its models (empty while it is down), its load (what the engine
 * reports plus this node's own queue), and serving through its own API. A watcher checks it on an
 * interval with backoff (health.ts); the first failed check, or a request that cannot reach it, takes
 * its models out of the advert at once, and the next good check puts them back.
 */
import type { Logger } from 'pino'
import type { BackendApi, BackendModel, BackendOutcome, ModelBackend } from '../backends/index.js'
import type { RequestContext } from '../inference/request-context.js'
import { onBodyEnd } from '../inference/http-result.js'
import { UnknownModelError } from '../errors/errors.js'
import { IMAGE_ONLY, type EngineAdapter, type EngineLoad, type EngineModelInfo } from './adapters/index.js'
import type { EngineHttp } from './engine-http.js'
import { EngineUnavailableError } from './engine-errors.js'
import { nextCheckMs, type HealthTimings } from './health.js'
import { serveOllama } from './ollama-upstream.js'
import { serveOpenAi } from './openai-upstream.js'
import { serveImages } from './images-upstream.js'
import type { ImageJob } from '../backends/index.js'
import { EngineSlots } from './slots.js'
import type { EngineRecord } from './schemas.js'

/** Requests at once when neither the engine nor the registration says. */
export const DEFAULT_ENGINE_SLOTS = 4
const EMA = 0.2

export type EngineHealth = 'starting' | 'up' | 'down'

/** What the admin API shows of an engine (never its key). */
export interface EngineView {
  id: string
  url: string
  kind: string
  health: EngineHealth
  lastError?: string
  checkedAt?: number
  hasKey: boolean
  slots: { total: number; busy: number; waiting: number }
  load: EngineLoad
  models: { id: string; capabilities: BackendModel['capabilities']; contextLength: number }[]
}

export class EngineBackend implements ModelBackend {
  readonly name: string
  private list: EngineModelInfo[] = []
  private adverts: BackendModel[] = []
  private health: EngineHealth = 'starting'
  private lastError?: string
  private checkedAt?: number
  private load: EngineLoad = {}
  private failures = 0
  private timer?: NodeJS.Timeout
  private stopped = false
  private checking?: Promise<void>
  private readonly slots: EngineSlots
  private tokensPerSecond = 0
  private avgServiceMs = 0

  constructor(
    readonly record: EngineRecord,
    private readonly adapter: EngineAdapter,
    private readonly http: EngineHttp,
    private readonly timings: HealthTimings,
    private readonly onChange: () => void,
    private readonly logger: Logger
  ) {
    this.name = `engine:${record.id}`
    this.slots = new EngineSlots(record.slots ?? DEFAULT_ENGINE_SLOTS)
  }

  models(): readonly BackendModel[] {
    if (this.adverts.length === 0) return this.adverts
    const s = this.slots.stats()
    const busy = Math.max(s.busy, this.load.running ?? 0)
    const queue = s.waiting + (this.load.waiting ?? 0)
    for (const m of this.adverts) {
      m.slotsTotal = s.total
      m.slotsBusy = busy
      m.queueDepth = queue
      m.tokensPerSecond = Math.round(this.tokensPerSecond * 10) / 10
      m.avgServiceMs = Math.round(this.avgServiceMs)
    }
    return this.adverts
  }

  knows(model: string): boolean {
    return this.list.some((m) => m.id === model)
  }

  view(): EngineView {
    return {
      id: this.record.id,
      url: this.record.url,
      kind: this.record.kind,
      health: this.health,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.checkedAt ? { checkedAt: this.checkedAt } : {}),
      hasKey: this.record.keyCipher !== undefined,
      slots: this.slots.stats(),
      load: this.load,
      models: this.list.map((m) => ({ id: m.id, capabilities: m.capabilities, contextLength: m.contextLength }))
    }
  }

  /** Starts the watcher; the first check runs now. */
  start(): Promise<void> {
    return this.checkNow()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
  }

  /** Checks now (merging with a check under way) and plans the next one. */
  checkNow(): Promise<void> {
    this.checking ??= this.check().finally(() => {
      this.checking = undefined
      if (this.stopped) return
      if (this.timer) clearTimeout(this.timer)
      this.timer = setTimeout(() => void this.checkNow(), nextCheckMs(this.failures, this.timings))
      this.timer.unref()
    })
    return this.checking
  }

  private async check(): Promise<void> {
    const signal = AbortSignal.timeout(this.timings.intervalMs * 4 + 5_000)
    try {
      const [list, load] = await Promise.all([this.adapter.models(this.http, signal), this.adapter.load(this.http, signal).catch(() => ({}) as EngineLoad)])
      this.load = load
      if (load.slots && !this.record.slots) this.slots.setCapacity(load.slots)
      const was = this.health
      this.failures = 0
      this.health = 'up'
      this.lastError = undefined
      this.checkedAt = Date.now()
      if (was !== 'up' || !sameModels(list, this.list)) {
        this.setModels(list)
        if (was === 'down') this.logger.info({ engine: this.record.id }, 'engine is back')
      }
    } catch (err) {
      this.markDown((err as Error).message)
    }
  }

  private setModels(found: EngineModelInfo[]): void {
    // models the registration names as image models are image models, whatever the engine's list says
    const images = new Set(this.record.imageModels ?? [])
    const list = images.size === 0 ? found : found.map((m) => (images.has(m.id) ? { ...m, capabilities: IMAGE_ONLY } : m))
    this.list = list
    this.adverts = list.map((m) => ({ id: m.id, capabilities: m.capabilities, contextLength: m.contextLength, quantization: m.quantization, sizeBytes: m.sizeBytes, slotsTotal: 1, slotsBusy: 0, queueDepth: 0, tokensPerSecond: 0, avgServiceMs: 0, engine: this.record.kind }))
    this.onChange()
  }

  private markDown(reason: string): void {
    this.failures++
    this.checkedAt = Date.now()
    this.lastError = reason
    if (this.health !== 'down') this.logger.warn({ engine: this.record.id, url: this.record.url, reason }, 'engine is down: its models leave the advert')
    this.health = 'down'
    if (this.adverts.length > 0) {
      this.adverts = []
      this.onChange()
    }
  }

  /** An image request through the engine's OpenAI images API, in one of its slots. */
  async images(job: ImageJob, model: string, ctx: RequestContext): Promise<BackendOutcome> {
    const info = this.list.find((m) => m.id === model)
    if (!info || this.health !== 'up') throw this.health === 'up' ? new UnknownModelError(model) : new EngineUnavailableError(this.record.id, this.lastError ?? 'not checked yet')
    const lease = await this.slots.acquire(model, ctx.signal)
    const started = Date.now()
    try {
      const result = await serveImages({ http: this.http, engine: this.record.id, signal: ctx.signal }, job, info.upstream)
      const ms = Date.now() - started
      this.avgServiceMs = this.avgServiceMs === 0 ? ms : this.avgServiceMs * (1 - EMA) + ms * EMA
      return { result, queueWaitMs: lease.waitedMs }
    } catch (err) {
      if (err instanceof EngineUnavailableError) {
        this.markDown(err.message)
        void this.checkNow()
      }
      throw err
    } finally {
      lease.release()
    }
  }

  async serve(api: BackendApi, body: { model: string } & Record<string, unknown>, ctx: RequestContext): Promise<BackendOutcome> {
    const info = this.list.find((m) => m.id === body.model)
    if (!info || this.health !== 'up') throw this.health === 'up' ? new UnknownModelError(body.model) : new EngineUnavailableError(this.record.id, this.lastError ?? 'not checked yet')
    const lease = await this.slots.acquire(body.model, ctx.signal)
    const started = Date.now()
    let out
    try {
      const call = { http: this.http, engine: this.record.id, signal: ctx.signal }
      out = await (this.adapter.api === 'ollama' ? serveOllama(call, api, body, info.upstream) : serveOpenAi(call, api, body, info.upstream))
    } catch (err) {
      lease.release()
      // unreachable now: out of the advert at once, and a check to bring it back when it answers
      if (err instanceof EngineUnavailableError) {
        this.markDown(err.message)
        void this.checkNow()
      }
      throw err
    }
    const usage = out.usage
    // a client that leaves before anyone reads or closes the body never reaches `measure`: its going
    // frees the slot as well (release is idempotent)
    const onGone = (): void => lease.release()
    ctx.signal.addEventListener('abort', onGone, { once: true })
    const measure = (): void => {
      ctx.signal.removeEventListener('abort', onGone)
      lease.release()
      const ms = Date.now() - started
      this.avgServiceMs = this.avgServiceMs === 0 ? ms : this.avgServiceMs * (1 - EMA) + ms * EMA
      if (usage.completionTokens > 0 && ms > 0) {
        const tps = (usage.completionTokens * 1000) / ms
        this.tokensPerSecond = this.tokensPerSecond === 0 ? tps : this.tokensPerSecond * (1 - EMA) + tps * EMA
      }
    }
    return { result: { ...out.result, body: onBodyEnd(out.result.body, measure) }, queueWaitMs: lease.waitedMs, usage }
  }
}

const sameModels = (a: EngineModelInfo[], b: EngineModelInfo[]): boolean => a.length === b.length && a.every((m, i) => JSON.stringify(m) === JSON.stringify(b[i]))
