/**
 * Keeps this node's cloud backends in step with the keys it may use: a key from the config file or
 * the environment (this node only) wins over the cluster's sealed key entry, which serves only on the
 * nodes its entry allows. Adds, replaces and removes backends in the node's registry as keys change
 * (here or on a peer), and refreshes each provider's model list on its TTL.
 */
import type { Logger } from 'pino'
import type { BackendRegistry } from '../backends/index.js'
import { ProviderCatalog } from './catalog.js'
import { CloudBackend } from './cloud-backend.js'
import type { CloudKeyStore, SetCloudKeyBody } from './key-store.js'
import { maskKey } from './key-seal.js'
import { listModels } from './provider-api.js'
import { DEFAULT_BASE_URLS, FIXED_PREFIXES, PROVIDER_KINDS, type KeySource, type ProviderKind, type ProviderSettings, type PublicProvider } from './providers.js'
import { AgentError, InvalidRequestError } from '../errors/errors.js'

/** A provider as this node's config gives it (`clouds.<provider>` in the config file, or the environment). */
export interface LocalProviderConfig {
  apiKey?: string
  baseUrl?: string
  /** The OpenAI-compatible provider's prefix. */
  prefix?: string
}

export interface CloudsConfig {
  openai: LocalProviderConfig
  anthropic: LocalProviderConfig
  google: LocalProviderConfig
  compatible: LocalProviderConfig
  /** How long a provider's model list is cached (ms). */
  modelsTtlMs: number
}

export interface CloudManagerDeps {
  config: CloudsConfig
  nodeName: string
  keys: CloudKeyStore
  registry: BackendRegistry
  logger: Logger
  now?: () => number
}

function sameSettings(a: ProviderSettings, b: ProviderSettings): boolean {
  return a.kind === b.kind && a.prefix === b.prefix && a.baseUrl === b.baseUrl && a.apiKey === b.apiKey && a.keySource === b.keySource
}

export class CloudManager {
  private readonly active = new Map<ProviderKind, CloudBackend>()
  private timer?: NodeJS.Timeout
  private unsubscribe?: () => void
  private readonly abort = new AbortController()

  constructor(private readonly d: CloudManagerDeps) {}

  start(): void {
    this.sync()
    this.unsubscribe = this.d.keys.onChange(() => this.sync())
    // a list goes stale after its TTL; the check is cheap, the fetch happens only when stale
    this.timer = setInterval(() => this.refreshCatalogs(), Math.max(1000, Math.min(this.d.config.modelsTtlMs, 60_000)))
    this.timer.unref()
  }

  stop(): void {
    this.abort.abort()
    if (this.timer) clearInterval(this.timer)
    this.unsubscribe?.()
    for (const b of this.active.values()) this.d.registry.remove(b.name)
    this.active.clear()
  }

  /** The settings a provider would serve with on this node now, or undefined without a usable key. */
  private settingsOf(kind: ProviderKind): ProviderSettings | undefined {
    const local = this.d.config[kind]
    const entry = this.d.keys.get(kind)
    const clusterKey = entry ? this.d.keys.keyFor(entry, this.d.nodeName) : undefined
    const apiKey = local.apiKey || clusterKey
    if (!apiKey) return undefined
    const keySource: KeySource = local.apiKey ? 'local' : 'cluster'
    const fromEntry = keySource === 'cluster' ? entry : undefined
    const prefix = kind === 'compatible' ? (local.prefix ?? fromEntry?.prefix ?? undefined) : FIXED_PREFIXES[kind]
    const baseUrl = local.baseUrl ?? fromEntry?.baseUrl ?? (kind === 'compatible' ? undefined : DEFAULT_BASE_URLS[kind])
    if (!prefix || !baseUrl) {
      this.d.logger.warn({ provider: kind }, 'OpenAI-compatible provider has a key but no prefix or base URL; not served')
      return undefined
    }
    return { kind, prefix, baseUrl, apiKey, keySource }
  }

  /** Brings the registry in line with the keys this node may use. */
  sync(): void {
    for (const kind of PROVIDER_KINDS) {
      const want = this.settingsOf(kind)
      const have = this.active.get(kind)
      if (have && want && sameSettings(have.settings, want)) continue
      if (have) {
        this.d.registry.remove(have.name)
        this.active.delete(kind)
      }
      if (!want) {
        if (have) this.d.logger.info({ provider: kind }, 'cloud provider no longer served here')
        continue
      }
      const catalog = new ProviderCatalog({
        ttlMs: this.d.config.modelsTtlMs,
        fetch: (signal) => listModels(want, signal),
        ...(this.d.now ? { now: this.d.now } : {}),
        onError: (err) => this.d.logger.warn({ provider: kind, err: (err as Error).message }, 'cloud model list not fetched')
      })
      const backend = new CloudBackend(want, catalog)
      this.active.set(kind, backend)
      this.d.registry.add(backend)
      this.d.logger.info({ provider: kind, prefix: want.prefix, keySource: want.keySource }, 'cloud provider served here')
      void catalog.refresh(this.abort.signal).then(() => this.d.registry.changed())
    }
  }

  private refreshCatalogs(): void {
    for (const b of this.active.values()) {
      if (!b.catalog.stale()) continue
      void b.catalog.refresh(this.abort.signal).then(() => this.d.registry.changed())
    }
  }

  /** Every provider, masked (GET /api/clouds). */
  list(): PublicProvider[] {
    return PROVIDER_KINDS.map((kind) => {
      const entry = this.d.keys.get(kind)
      const b = this.active.get(kind)
      const local = this.d.config[kind]
      const out: PublicProvider = {
        provider: kind,
        prefix: b?.settings.prefix ?? (kind === 'compatible' ? (local.prefix ?? entry?.prefix ?? null) : FIXED_PREFIXES[kind]),
        active: b !== undefined,
        keySource: b?.settings.keySource ?? null,
        keyHint: b ? maskKey(b.settings.apiKey) : (entry?.hint ?? null),
        baseUrl: b?.settings.baseUrl ?? local.baseUrl ?? entry?.baseUrl ?? null,
        models: b?.catalog.current().length ?? 0
      }
      if (entry) out.nodes = entry.nodes
      return out
    })
  }

  /** Stores a key for the cluster (sealed); applies here at once, on peers as the entry arrives. */
  async setKey(kind: ProviderKind, body: SetCloudKeyBody): Promise<PublicProvider> {
    if (kind === 'compatible' && !(body.prefix ?? this.d.config.compatible.prefix)) throw new InvalidRequestError('the OpenAI-compatible provider needs a prefix (e.g. "openrouter")', 'prefix')
    if (kind === 'compatible' && !(body.baseUrl ?? this.d.config.compatible.baseUrl)) throw new InvalidRequestError('the OpenAI-compatible provider needs a baseUrl', 'baseUrl')
    await this.d.keys.set(kind, body)
    this.sync()
    return this.publicOf(kind)
  }

  async deleteKey(kind: ProviderKind): Promise<void> {
    if (!(await this.d.keys.delete(kind))) throw new AgentError('not_found', `No cluster key is set for ${kind}`)
    this.sync()
  }

  private publicOf(kind: ProviderKind): PublicProvider {
    return this.list().find((p) => p.provider === kind) as PublicProvider
  }
}
