/**
 * The control plane's physical clock: this machine's clock, corrected when a majority of the cluster
 * agrees it is grossly off. A node whose clock is minutes ahead would otherwise stamp its writes in the
 * future (its peers skip them: MAX_CLOCK_DRIFT_MS, so a key revoked there stays valid everywhere else)
 * and judge key expiry on the wrong time (a key valid for two more minutes refused there).
 *
 * Every anti-entropy answer carries the responder's raw wall clock; the caller turns it into an offset
 * (peer − local, at the midpoint of the round trip). With this node's own offset 0 among them, when a
 * strict majority of the nodes agree among themselves (within TOLERANCE_MS) and this node is not one
 * of them, this node adopts the majority's median offset. A clock within the tolerance, or a cluster
 * without a majority (two nodes that disagree), is left alone: nobody can tell who is right. Pure:
 * the raw clock is injected.
 */

/** Offsets below this are ordinary skew (NTP keeps clocks within milliseconds); never corrected. */
export const CLOCK_TOLERANCE_MS = 10_000
/** A peer's sample older than this is forgotten (the peer left, or its clock was fixed). */
export const CLOCK_SAMPLE_TTL_MS = 10 * 60_000

interface Sample {
  offsetMs: number
  at: number
}

export class ClusterClock {
  private readonly samples = new Map<string, Sample>()
  private correction = 0

  /** @param raw this machine's clock (ms) @default Date.now */
  constructor(private readonly raw: () => number = Date.now) {}

  /** Corrected wall time (ms since epoch). */
  readonly now = (): number => this.raw() + this.correction

  /** The correction now applied (ms; 0 when this clock agrees with the cluster). */
  get correctionMs(): number {
    return this.correction
  }

  /** The raw clock, for timing a sample's round trip. */
  rawNow(): number {
    return this.raw()
  }

  /** Records `peer`'s raw clock `peerNowMs`, read between `sentAt` and `receivedAt` (raw clock). */
  sample(peer: string, peerNowMs: number, sentAt: number, receivedAt: number): void {
    const at = this.raw()
    this.samples.set(peer, { offsetMs: peerNowMs - (sentAt + receivedAt) / 2, at })
    for (const [p, s] of this.samples) if (at - s.at > CLOCK_SAMPLE_TTL_MS) this.samples.delete(p)
    this.correction = majorityOffset([0, ...[...this.samples.values()].map((s) => s.offsetMs)])
  }
}

/**
 * The offset to adopt given every node's offset from this one (this node's own 0 first): the median of
 * the largest group agreeing within CLOCK_TOLERANCE_MS, when that group is a strict majority, does not
 * include this node and is more than the tolerance away; else 0.
 */
export function majorityOffset(offsets: number[]): number {
  const sorted = [...offsets].sort((a, b) => a - b)
  let best: number[] = []
  for (let i = 0; i < sorted.length; i++) {
    const group = sorted.filter((x) => x >= (sorted[i] as number) && x - (sorted[i] as number) <= CLOCK_TOLERANCE_MS)
    if (group.length > best.length) best = group
  }
  if (best.length * 2 <= offsets.length) return 0
  // this node is in the majority: its clock is the cluster's
  if ((best[0] as number) <= 0 && 0 <= (best[best.length - 1] as number)) return 0
  const median = best[Math.floor(best.length / 2)] as number
  return Math.abs(median) > CLOCK_TOLERANCE_MS ? Math.round(median) : 0
}
