/**
 * The backends of this node, looked up by model id on the request path and listed for the advert and
 * `/v1/models`. Backends come and go at run time (an engine registered or removed, a provider key
 * added), so lookups always read the current set.
 */
import type { ModelAdvert, ProviderAdvert } from '../../../mesh/src/index.js'
import type { BackendModel, ModelBackend } from './model-backend.js'

export class BackendRegistry {
  private readonly backends = new Map<string, ModelBackend>()
  private readonly listeners = new Set<() => void>()

  /** Adds or replaces a backend by name. */
  add(backend: ModelBackend): void {
    this.backends.set(backend.name, backend)
    this.changed()
  }

  remove(name: string): boolean {
    const had = this.backends.delete(name)
    if (had) this.changed()
    return had
  }

  get(name: string): ModelBackend | undefined {
    return this.backends.get(name)
  }

  list(): ModelBackend[] {
    return [...this.backends.values()]
  }

  /**
   * The backend serving `model` now and its figures. When several do (two engines with the same
   * model), the least loaded one: running plus queued per slot, as the backends report it.
   */
  find(model: string): { backend: ModelBackend; model: BackendModel } | undefined {
    let best: { backend: ModelBackend; model: BackendModel } | undefined
    let bestLoad = Infinity
    for (const backend of this.backends.values()) {
      const m = backend.models().find((x) => x.id === model)
      if (!m) continue
      const load = (m.slotsBusy + m.queueDepth) / Math.max(1, m.slotsTotal)
      if (load < bestLoad) {
        best = { backend, model: m }
        bestLoad = load
      }
    }
    if (best) return best
    for (const backend of this.backends.values()) {
      const m = backend.match?.(model)
      if (m) return { backend, model: m }
    }
    return undefined
  }

  /** True when a backend serves `model` or did before it went down (a request for it may fail over). */
  knows(model: string): boolean {
    for (const b of this.backends.values()) if ((b.knows?.(model) ?? b.models().some((m) => m.id === model)) || b.match?.(model) !== undefined) return true
    return false
  }

  /** The providers advertised by prefix (cloud providers), one per prefix. */
  providers(): ProviderAdvert[] {
    const out = new Map<string, ProviderAdvert>()
    for (const b of this.backends.values()) {
      const p = b.provider?.()
      if (p && !out.has(p.prefix)) out.set(p.prefix, p)
    }
    return [...out.values()]
  }

  /** Every backend model, as gossiped (always `loaded`: a backend that cannot serve lists nothing). */
  adverts(): ModelAdvert[] {
    const out: ModelAdvert[] = []
    const seen = new Set<string>()
    for (const b of this.backends.values()) {
      for (const m of b.models()) {
        if (seen.has(m.id)) continue
        seen.add(m.id)
        out.push({
          id: m.id,
          capabilities: m.capabilities,
          loaded: true,
          contextLength: m.contextLength,
          quantization: m.quantization,
          sizeBytes: m.sizeBytes,
          slotsTotal: m.slotsTotal,
          slotsBusy: m.slotsBusy,
          queueDepth: m.queueDepth,
          tokensPerSecond: m.tokensPerSecond,
          avgServiceMs: m.avgServiceMs,
          engine: m.engine,
          ...(m.sharded ? { sharded: m.sharded } : {})
        })
      }
    }
    return out
  }

  /** Called when backends or their model lists change, so the node re-advertises at once. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Backends call this (through their owner) when their model list or health changes. */
  changed(): void {
    for (const l of this.listeners) l()
  }
}
