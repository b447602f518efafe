/**
 * Bounds the cardinality of one metric label: the first `max` distinct values pass through, later
 * ones become `other`. Model names and node names come from configuration and gossip, but a typo'd
 * model in a thousand requests must not become a thousand time series.
 */

/** What values past the bound are reported as. */
export const OVERFLOW_LABEL = 'other'

export class LabelGuard {
  private readonly seen = new Set<string>()

  /** @param max distinct values kept (default 64) */
  constructor(private readonly max = 64) {}

  value(v: string): string {
    if (this.seen.has(v)) return v
    if (this.seen.size >= this.max) return OVERFLOW_LABEL
    this.seen.add(v)
    return v
  }
}
