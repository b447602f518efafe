/**
 * A provider's model list, cached for a TTL: refreshed when stale, the last good list kept while a
 * refresh fails (a provider's hiccup does not empty `/v1/models`). Clock injected for tests.
 */
export interface CatalogOptions {
  ttlMs: number
  fetch: (signal?: AbortSignal) => Promise<string[]>
  now?: () => number
  onError?: (err: unknown) => void
}

/** Catalog ids advertised per provider at most; the rest still route by prefix. */
export const MAX_ADVERTISED_IDS = 300
/** Characters of catalog ids advertised per provider at most (the node advert is bounded to 64 KB). */
export const MAX_ADVERTISED_ID_CHARS = 8 * 1024

export class ProviderCatalog {
  private ids: string[] = []
  private fetchedAt = -Infinity
  private inflight?: Promise<void>
  private readonly now: () => number

  constructor(private readonly o: CatalogOptions) {
    this.now = o.now ?? Date.now
  }

  /** The cached ids (possibly stale or empty). */
  current(): readonly string[] {
    return this.ids
  }

  stale(): boolean {
    return this.now() - this.fetchedAt >= this.o.ttlMs
  }

  /** Refreshes when stale (one fetch at a time); resolves when done, never rejects. */
  async refresh(signal?: AbortSignal, force = false): Promise<void> {
    if (!force && !this.stale()) return
    this.inflight ??= this.o
      .fetch(signal)
      .then((ids) => {
        this.ids = [...new Set(ids)].sort()
        this.fetchedAt = this.now()
      })
      .catch((err: unknown) => {
        // retried at the next refresh; the old list stays
        this.fetchedAt = this.now() - this.o.ttlMs + Math.min(this.o.ttlMs, 60_000)
        this.o.onError?.(err)
      })
      .finally(() => {
        this.inflight = undefined
      })
    await this.inflight
  }
}

/** The ids to advertise, prefixed, within the count and size bounds. */
export function advertisedIds(prefix: string, ids: readonly string[]): string[] {
  const out: string[] = []
  let chars = 0
  for (const id of ids) {
    const full = `${prefix}:${id}`
    if (full.length > 256) continue
    if (out.length >= MAX_ADVERTISED_IDS || chars + full.length > MAX_ADVERTISED_ID_CHARS) break
    chars += full.length + 3
    out.push(full)
  }
  return out
}
