/**
 * The engines of this node: registered through the admin API, the CLI (`llmlb engines add`) or
 * `serve --engine URL`, detected, persisted, watched, and added to the node's backend registry so
 * their models are advertised and served like native ones.
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type { BackendRegistry } from '../backends/index.js'
import { Outbound, OutboundBlockedError, parseHttpUrl, type OutboundOptions } from '../net/index.js'
import { adapterOf } from './adapters/index.js'
import { detectEngine } from './detect.js'
import { EngineBackend, type EngineView } from './engine-backend.js'
import { EngineExistsError, EngineNotFoundError } from './engine-errors.js'
import { ENGINE_OUTBOUND, EngineHttp } from './engine-http.js'
import type { EngineStore } from './engine-store.js'
import { DEFAULT_HEALTH, nextCheckMs, type HealthTimings } from './health.js'
import type { AddEngineBody, EngineRecord } from './schemas.js'

export interface EngineManagerOptions {
  /** Addresses engines may have besides public ones (address-policy.ts). @default ['loopback'] */
  allow?: readonly string[]
  health?: HealthTimings
  /** Outbound bounds (tests shrink them). */
  outbound?: Omit<OutboundOptions, 'allow'>
}

/** `URL` or `URL#key` (the form of `--engine`): the key after the first `#`. */
export function parseEngineArg(arg: string): AddEngineBody {
  const i = arg.indexOf('#')
  return i < 0 ? { url: arg } : { url: arg.slice(0, i), apiKey: arg.slice(i + 1) }
}

/** The base URL as stored: no trailing slash, no `/v1`, no query or fragment. */
export function normalizeEngineUrl(url: string): string {
  const u = parseHttpUrl(url)
  const path = u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')
  return `${u.origin}${path}`
}

const idOf = (url: string): string => createHash('sha256').update(url).digest('hex').slice(0, 12)

export class EngineManager {
  private readonly engines = new Map<string, EngineBackend>()
  private readonly outbound: Outbound
  private readonly health: HealthTimings
  private readonly retries = new Set<NodeJS.Timeout>()
  private stopped = false

  constructor(
    private readonly store: EngineStore,
    private readonly registry: BackendRegistry,
    private readonly logger: Logger,
    opts: EngineManagerOptions = {}
  ) {
    this.outbound = new Outbound({ ...ENGINE_OUTBOUND, ...opts.outbound, allow: opts.allow ?? ['loopback'] })
    this.health = opts.health ?? DEFAULT_HEALTH
  }

  /**
   * Starts every stored engine (a down one is watched until it answers); then the `--engine` ones. An
   * `--engine` that does not answer yet (started after the node, as services often are) is tried again
   * with the health backoff until it does; one refused by the policy is not.
   */
  async start(fromFlags: AddEngineBody[] = []): Promise<void> {
    for (const r of this.store.list()) this.run(r)
    await Promise.all(fromFlags.map((e) => this.addFromFlag(e, 0)))
  }

  private async addFromFlag(e: AddEngineBody, failures: number): Promise<void> {
    if (this.stopped) return
    try {
      const url = normalizeEngineUrl(e.url)
      if ([...this.engines.values()].some((b) => b.record.url === url)) return
      await this.add(e)
    } catch (err) {
      if (failures === 0) this.logger.warn({ url: e.url, err: (err as Error).message }, 'engine from --engine not added yet')
      if (err instanceof OutboundBlockedError) return
      const timer = setTimeout(() => void this.addFromFlag(e, failures + 1), nextCheckMs(failures + 1, this.health))
      timer.unref()
      this.retries.add(timer)
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const t of this.retries) clearTimeout(t)
    for (const e of this.engines.values()) e.stop()
    await this.outbound.close()
  }

  list(): EngineView[] {
    return [...this.engines.values()].map((e) => e.view())
  }

  get(id: string): EngineView {
    const e = this.engines.get(id)
    if (!e) throw new EngineNotFoundError(id)
    return e.view()
  }

  /** Detects (unless `kind` is given), stores and starts an engine; its view after the first check. */
  async add(body: AddEngineBody): Promise<EngineView> {
    const url = normalizeEngineUrl(body.url)
    const existing = [...this.engines.values()].find((e) => e.record.url === url)
    if (existing) throw new EngineExistsError(url, existing.record.id)
    const http = new EngineHttp(this.outbound, url, body.apiKey)
    const adapter = body.kind ? adapterOf(body.kind) : await detectEngine(http)
    // a kind given by hand must still answer as that kind does
    if (body.kind) await adapter.models(http)
    const record: EngineRecord = { id: idOf(url), url, kind: adapter.kind, ...(body.slots ? { slots: body.slots } : {}), ...(body.imageModels?.length ? { imageModels: body.imageModels } : {}), ...(body.apiKey ? { keyCipher: this.store.encrypt(body.apiKey) } : {}), addedAt: Date.now() }
    await this.store.put(record)
    const backend = this.run(record)
    await backend.start()
    this.logger.info({ engine: record.id, url, kind: record.kind, models: backend.view().models.length }, 'engine added')
    return backend.view()
  }

  async remove(id: string): Promise<void> {
    const e = this.engines.get(id)
    if (!e) throw new EngineNotFoundError(id)
    e.stop()
    this.engines.delete(id)
    this.registry.remove(e.name)
    await this.store.remove(id)
    this.logger.info({ engine: id }, 'engine removed')
  }

  private run(record: EngineRecord): EngineBackend {
    const key = record.keyCipher ? this.store.decrypt(record.keyCipher) : undefined
    const http = new EngineHttp(this.outbound, record.url, key)
    const backend = new EngineBackend(record, adapterOf(record.kind), http, this.health, () => this.registry.changed(), this.logger.child({ component: 'engines' }))
    this.engines.set(record.id, backend)
    this.registry.add(backend)
    void backend.checkNow()
    return backend
  }
}
