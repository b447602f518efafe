/**
 * A last-writer-wins map (a state-based CRDT): each key is a register holding the value of the write
 * with the largest hybrid-logical timestamp; deletions are tombstones (value null) with their own
 * timestamp, so a delete and a concurrent older write converge to the delete. `merge` is commutative,
 * associative and idempotent, so replicas that have seen the same set of entries — in any order, any
 * number of times — hold the same map (test/unit/agent/control-plane/lww-map.spec.ts checks it with
 * fast-check). Pure: no I/O, the clock is injected.
 *
 * Why LWW and not a richer CRDT: control data is small records edited rarely by admins (a user, a
 * key, a setting); a whole record per register keeps validation simple, and a lost concurrent edit of
 * the same record within milliseconds is acceptable. Tombstones are never collected, so a node that was
 * offline for any length of time still learns every deletion (they are tens of bytes each).
 *
 * Anti-entropy uses a bucketed digest: keys hash into DIGEST_BUCKETS buckets, each summarised by a
 * hash of its sorted (key, timestamp) pairs; peers exchange only the buckets that differ.
 */
import { createHash } from 'node:crypto'
import { compareHlc, type Hlc, type HybridClock } from './hlc.js'
import type { ControlEntry } from './entry.js'

/** Buckets of the anti-entropy digest. */
export const DIGEST_BUCKETS = 64

/** The bucket of a key (stable across nodes and versions). */
export function bucketOf(key: string): number {
  return (createHash('sha256').update(key).digest().readUInt16BE(0)) % DIGEST_BUCKETS
}

const hlcText = (h: Hlc): string => `${h.w}.${h.c}.${h.n}`

export class LwwMap {
  private readonly entries = new Map<string, ControlEntry>()

  constructor(private readonly clock: HybridClock) {}

  /** The entry of `key`, tombstones included. */
  entry(key: string): ControlEntry | undefined {
    return this.entries.get(key)
  }

  /** The live value of `key` (undefined when absent or deleted). */
  get(key: string): unknown {
    const e = this.entries.get(key)
    return e === undefined || e.v === null ? undefined : e.v
  }

  /** Writes `value` locally with a fresh timestamp; returns the entry to persist and gossip. */
  set(key: string, value: unknown): ControlEntry {
    if (value === null || value === undefined) throw new TypeError('use delete() to remove a key')
    return this.put({ k: key, h: this.clock.tick(), v: value })
  }

  /** Deletes `key` with a tombstone; returns it. */
  delete(key: string): ControlEntry {
    return this.put({ k: key, h: this.clock.tick(), v: null })
  }

  /**
   * Writes an entry with a given timestamp only if it wins (used for bootstrap defaults with
   * `bootstrapHlc`). Returns the entry if it was applied.
   */
  setAt(key: string, value: unknown, hlc: Hlc): ControlEntry | undefined {
    const e = { k: key, h: hlc, v: value }
    return this.apply(e) ? e : undefined
  }

  /**
   * Merges a peer's entry. Returns true when it changed this replica. Advances the clock past it so a
   * later local write wins over it; throws ClockDriftError (nothing merged) when it is too far ahead.
   */
  merge(entry: ControlEntry): boolean {
    if (entry.h.w > 0) this.clock.observe(entry.h)
    return this.apply(entry)
  }

  /** Every entry whose key starts with `prefix` (tombstones included), in key order. */
  list(prefix = ''): ControlEntry[] {
    return [...this.entries.values()].filter((e) => e.k.startsWith(prefix)).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
  }

  size(): number {
    return this.entries.size
  }

  /** One hash per bucket (hex, 16 chars) over its sorted (key, timestamp) pairs. */
  digest(): string[] {
    const lines: string[][] = Array.from({ length: DIGEST_BUCKETS }, () => [])
    for (const e of this.entries.values()) lines[bucketOf(e.k)]?.push(`${e.k} ${hlcText(e.h)}`)
    return lines.map((l) => createHash('sha256').update(l.sort().join('\n')).digest('hex').slice(0, 16))
  }

  /** Buckets where `other` (a peer's digest) differs from ours; all of them for a malformed digest. */
  differingBuckets(other: readonly string[] | undefined): number[] {
    const mine = this.digest()
    if (other?.length !== DIGEST_BUCKETS) return mine.map((_, i) => i)
    return mine.flatMap((h, i) => (h === other[i] ? [] : [i]))
  }

  /** Entries (tombstones included) in the given buckets. */
  inBuckets(buckets: readonly number[]): ControlEntry[] {
    const want = new Set(buckets)
    return [...this.entries.values()].filter((e) => want.has(bucketOf(e.k)))
  }

  private put(e: ControlEntry): ControlEntry {
    this.entries.set(e.k, e)
    return e
  }

  private apply(e: ControlEntry): boolean {
    const cur = this.entries.get(e.k)
    if (cur !== undefined && compareHlc(e.h, cur.h) <= 0) return false
    this.entries.set(e.k, e)
    return true
  }
}
