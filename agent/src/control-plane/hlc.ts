/**
 * Hybrid logical clock (Kulkarni et al., 2014): timestamps that follow wall time when clocks agree,
 * never go backwards on one node, and are causally ordered across nodes (a write made after seeing
 * another always carries a larger timestamp). Pure: the physical clock is injected.
 *
 * Total order: wall ms, then counter, then node id. Two distinct writes never compare equal because a
 * node never issues the same (wall, counter) twice and node ids differ.
 */
import { z } from 'zod'

/** Timestamps from a peer further ahead of our clock than this are refused (ms). */
export const MAX_CLOCK_DRIFT_MS = 60_000

/**
 * `c` of bootstrap defaults counts down from this, so among defaults the oldest wins (see `bootstrapHlc`).
 * 2^52: beyond any real counter, safely inside Number.MAX_SAFE_INTEGER.
 */
export const BOOTSTRAP_COUNTER_BASE = 2 ** 52

export const HlcSchema = z.object({
  /** Wall-clock part, ms since epoch (0 for bootstrap defaults). */
  w: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Logical counter within one `w`. */
  c: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Id of the node that issued it (tie-break). */
  n: z.string().min(1).max(64)
})
export type Hlc = z.infer<typeof HlcSchema>

/** <0, 0, >0 as `a` is before, the same as, or after `b`. */
export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.w !== b.w) return a.w < b.w ? -1 : 1
  if (a.c !== b.c) return a.c < b.c ? -1 : 1
  return a.n < b.n ? -1 : a.n > b.n ? 1 : 0
}

/**
 * The timestamp of a bootstrap default (first admin, initial API key): wall 0, so every real write
 * beats it, and a counter that falls with `createdAtMs`, so when two fresh nodes both bootstrapped before
 * they met, the older default wins everywhere and the cluster keeps the credentials its first node printed.
 */
export function bootstrapHlc(node: string, createdAtMs: number): Hlc {
  return { w: 0, c: Math.max(0, BOOTSTRAP_COUNTER_BASE - Math.floor(createdAtMs)), n: node }
}

/** A remote timestamp was too far ahead of the local clock. */
export class ClockDriftError extends Error {
  readonly code = 'clock_drift'
  constructor(readonly driftMs: number) {
    super(`remote timestamp is ${driftMs} ms ahead of this node's clock (limit ${MAX_CLOCK_DRIFT_MS} ms)`)
    this.name = 'ClockDriftError'
  }
}

export class HybridClock {
  private w = 0
  private c = 0

  /**
   * @param node this node's id, the tie-break of equal (w, c)
   * @param now physical clock, ms since epoch @default Date.now
   * @param maxDriftMs @default MAX_CLOCK_DRIFT_MS
   */
  constructor(readonly node: string, private readonly now: () => number = Date.now, private readonly maxDriftMs = MAX_CLOCK_DRIFT_MS) {}

  /** A fresh timestamp for a local write, larger than every one issued or observed before. */
  tick(): Hlc {
    const pt = Math.floor(this.now())
    // our last stamp is further ahead of the (corrected) clock than any peer would accept: it came from
    // a clock since found wrong (cluster-clock.ts); staying there would get every later write skipped
    if (this.w - pt > this.maxDriftMs) this.w = 0
    if (pt > this.w) {
      this.w = pt
      this.c = 0
    } else {
      this.c++
    }
    return { w: this.w, c: this.c, n: this.node }
  }

  /**
   * Advances past a timestamp seen in a peer's write, so later local writes order after it. Throws
   * ClockDriftError (and leaves the clock alone) when it is more than `maxDriftMs` ahead of our clock:
   * one node with a wrong clock must not pin every later write of the cluster in the future.
   */
  observe(remote: Hlc): void {
    const pt = Math.floor(this.now())
    if (remote.w - pt > this.maxDriftMs) throw new ClockDriftError(remote.w - pt)
    const w = Math.max(this.w, remote.w, pt)
    if (w === this.w && w === remote.w) this.c = Math.max(this.c, remote.c) + 1
    else if (w === this.w) this.c++
    else if (w === remote.w) this.c = remote.c + 1
    else this.c = 0
    this.w = w
  }
}
