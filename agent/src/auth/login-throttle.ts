/**
 * Slows password guessing at POST /api/auth/login: every attempt from one client address takes a
 * unit of a per-address bucket, and repeated failures for one username from one address lock that pair
 * out for a while. Keyed by (address, username) rather than username alone, so nobody can lock the
 * admin out from elsewhere. Memory is bounded: idle entries are swept.
 */
import { TokenBucket } from './token-bucket.js'

export interface LoginThrottleInit {
  /** Attempts per client address per minute. @default 10 */
  attemptsPerMinute?: number
  /** Failures of one (address, username) before the lockout. @default 5 */
  maxFailures?: number
  /** Lockout after maxFailures (ms). @default 300_000 */
  lockoutMs?: number
  /** clock (ms) @default Date.now */
  now?: () => number
}

const MAX_TRACKED = 10_000

export class LoginThrottle {
  private readonly perAddress = new Map<string, TokenBucket>()
  private readonly failures = new Map<string, { count: number; last: number }>()
  private readonly now: () => number

  constructor(private readonly init: LoginThrottleInit = {}) {
    this.now = init.now ?? Date.now
  }

  /** Counts an attempt; returns seconds to wait when it must be refused. */
  attempt(address: string, username: string): number | undefined {
    const f = this.failures.get(`${address}\n${username}`)
    const lockout = this.init.lockoutMs ?? 300_000
    if (f && f.count >= (this.init.maxFailures ?? 5)) {
      const left = f.last + lockout - this.now()
      if (left > 0) return Math.ceil(left / 1000)
      this.failures.delete(`${address}\n${username}`)
    }
    if (this.perAddress.size >= MAX_TRACKED) this.sweep()
    let b = this.perAddress.get(address)
    if (!b) {
      b = new TokenBucket(this.init.attemptsPerMinute ?? 10, 60_000, this.now)
      this.perAddress.set(address, b)
    }
    const wait = b.take(1)
    return wait === undefined ? undefined : Math.max(1, Math.ceil(wait / 1000))
  }

  failed(address: string, username: string): void {
    if (this.failures.size >= MAX_TRACKED) this.sweep()
    const key = `${address}\n${username}`
    const f = this.failures.get(key) ?? { count: 0, last: 0 }
    this.failures.set(key, { count: f.count + 1, last: this.now() })
  }

  succeeded(address: string, username: string): void {
    this.failures.delete(`${address}\n${username}`)
  }

  private sweep(): void {
    const lockout = this.init.lockoutMs ?? 300_000
    for (const [k, b] of this.perAddress) if (b.full()) this.perAddress.delete(k)
    for (const [k, f] of this.failures) if (this.now() - f.last > lockout) this.failures.delete(k)
  }
}
