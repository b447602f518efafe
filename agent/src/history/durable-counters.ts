/**
 * Running totals stored in LMDB (hour counters, token aggregates) updated without a read-modify-write
 * transaction: this process is the only writer of its data dir (the data-dir lock), so the value in
 * memory is authoritative once loaded, and each update is an ordinary batched `put` of the new
 * absolute value. Puts issued in the same event turn as a record's commit with it, so counters never
 * disagree with the records after a crash. Loaded lazily; idle entries are evicted once committed.
 */
import type { Database, Key } from 'lmdb'

/** How values of one kind add up. */
export interface Accumulator<V> {
  zero(): V
  add(a: V, b: V): V
  isZero(v: V): boolean
}

export const NUMBER_SUM: Accumulator<number> = {
  zero: () => 0,
  add: (a, b) => a + b,
  isZero: (v) => v === 0
}

interface Entry<V> {
  key: Key
  value: V
  touched: number
}

export class DurableCounters<V> {
  private readonly cache = new Map<string, Entry<V>>()

  constructor(
    private readonly db: Database<V, Key>,
    private readonly acc: Accumulator<V>,
    private readonly now: () => number = Date.now
  ) {}

  /** Adds `delta` to the value at `key` (a zero total removes the key). Call within the record's turn. */
  add(key: Key, delta: V): void {
    const id = JSON.stringify(key)
    let e = this.cache.get(id)
    if (!e) {
      e = { key, value: this.db.get(key) ?? this.acc.zero(), touched: 0 }
      this.cache.set(id, e)
    }
    e.value = this.acc.add(e.value, delta)
    e.touched = this.now()
    if (this.acc.isZero(e.value)) void this.db.remove(key)
    else void this.db.put(key, e.value)
  }

  /**
   * Drops entries not touched since `before`. Only safe once every write issued before `before` has
   * committed (await `db.committed` started after `before`): a dropped entry is re-read from disk.
   */
  evict(before: number): number {
    let n = 0
    for (const [id, e] of this.cache) {
      if (e.touched < before) {
        this.cache.delete(id)
        n++
      }
    }
    return n
  }

  /** Entries held in memory (for tests and metrics). */
  cached(): number {
    return this.cache.size
  }
}
