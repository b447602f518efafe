/**
 * A token bucket with an injected clock: `capacity` units, refilled continuously at
 * `capacity / periodMs`. Its level may go below zero when usage is only known afterwards (tokens of a
 * finished completion); it then refuses until refilled past zero.
 */
export class TokenBucket {
  private level: number
  private at: number

  /**
   * @param capacity units per period (and the burst)
   * @param periodMs refill period (ms)
   * @param now clock (ms)
   */
  constructor(readonly capacity: number, private readonly periodMs: number, private readonly now: () => number) {
    this.level = capacity
    this.at = now()
  }

  /** Units available now (may be negative). */
  available(): number {
    const t = this.now()
    this.level = Math.min(this.capacity, this.level + ((t - this.at) * this.capacity) / this.periodMs)
    this.at = t
    return this.level
  }

  /** Takes `n` units if that many are available; otherwise returns the wait until they are (ms). */
  take(n = 1): number | undefined {
    const lvl = this.available()
    if (lvl >= n) {
      this.level -= n
      return undefined
    }
    return this.waitFor(n)
  }

  /** Removes `n` units unconditionally (usage known after the fact). */
  charge(n: number): void {
    this.available()
    this.level -= n
  }

  /** ms until `n` units are available (0 when they are). */
  waitFor(n: number): number {
    const lvl = this.available()
    return lvl >= n ? 0 : Math.ceil(((n - lvl) * this.periodMs) / this.capacity)
  }

  /** True when full (the bucket can be forgotten). */
  full(): boolean {
    return this.available() >= this.capacity
  }
}
