/**
 * Requests this ingress node has routed to each peer and not yet finished (last byte, error, abort,
 * timeout or peer death). Gossip tells a peer's load as of its last advert; anything we sent after
 * that advert is not in it yet, so selection adds our own `pendingSince(advertTime)` on top — an
 * optimistic reservation, reconciled as soon as the next advert arrives. Entries are keyed by a
 * unique token and removed exactly once, so counts can never leak or go negative.
 */

/** A reservation; `end()` is idempotent. */
export interface Reservation {
  readonly target: string
  readonly startedAt: number
  end(): void
}

export class InflightTracker {
  private readonly byTarget = new Map<string, Set<Reservation>>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one request against `target` until `end()` is called. */
  begin(target: string): Reservation {
    let set = this.byTarget.get(target)
    if (!set) {
      set = new Set()
      this.byTarget.set(target, set)
    }
    const owner = set
    let ended = false
    const r: Reservation = {
      target,
      startedAt: this.now(),
      end: () => {
        if (ended) return
        ended = true
        owner.delete(r)
        if (owner.size === 0 && this.byTarget.get(target) === owner) this.byTarget.delete(target)
      }
    }
    set.add(r)
    return r
  }

  /** Requests in flight to `target`. */
  outstanding(target: string): number {
    return this.byTarget.get(target)?.size ?? 0
  }

  /** Requests to `target` that started after `since` (ms): not yet reflected in its advert. */
  pendingSince(target: string, since: number): number {
    let n = 0
    for (const r of this.byTarget.get(target) ?? []) if (r.startedAt > since) n++
    return n
  }

  /**
   * The load to assume on `target`, whose last advert (made at `advertAt`) said `advertLoad`: the
   * advert plus what we sent after it, and never less than what we still have outstanding there. A
   * request sent just before an advert may not have reached the peer's queue when the advert was
   * made; without the floor it would be counted nowhere, and a burst would pile onto a small node.
   */
  loadOf(target: string, advertLoad: number, advertAt: number): number {
    return Math.max(advertLoad + this.pendingSince(target, advertAt), this.outstanding(target))
  }

  /** Everything in flight, all targets. */
  total(): number {
    let n = 0
    for (const s of this.byTarget.values()) n += s.size
    return n
  }
}
