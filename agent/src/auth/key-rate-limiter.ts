/**
 * Per-key rate limits, enforced on the node where a request enters the cluster (the ingress; forwarded
 * requests are not counted again). Requests/min takes one unit per request before it runs;
 * tokens/min lets a request start while the key's token budget is above zero and charges the prompt +
 * completion tokens once the answer is complete, so one large completion can overdraw the budget and
 * the key then waits until it has refilled.
 */
import { TokenBucket } from './token-bucket.js'
import type { RateLimit } from './records.js'

/** One minute (ms): the period of both limits. */
export const RATE_PERIOD_MS = 60_000
/** Buckets of keys are forgotten once full and this many are tracked (memory bound). */
const SWEEP_AT = 10_000

export type Admission = { ok: true } | { ok: false; reason: 'requests' | 'tokens'; retryAfterS: number }

interface KeyBuckets {
  requests?: TokenBucket
  tokens?: TokenBucket
}

export class KeyRateLimiter {
  private readonly buckets = new Map<string, KeyBuckets>()

  /** @param now clock (ms) @default Date.now */
  constructor(private readonly now: () => number = Date.now) {}

  /** Admits one request of key `id` under `limit`, counting it. */
  admit(id: string, limit: RateLimit | undefined): Admission {
    if (!limit || (limit.requestsPerMinute === undefined && limit.tokensPerMinute === undefined)) return { ok: true }
    const b = this.bucketsOf(id, limit)
    if (b.tokens && b.tokens.available() <= 0) return { ok: false, reason: 'tokens', retryAfterS: Math.max(1, Math.ceil(b.tokens.waitFor(1) / 1000)) }
    const wait = b.requests?.take(1)
    if (wait !== undefined) return { ok: false, reason: 'requests', retryAfterS: Math.max(1, Math.ceil(wait / 1000)) }
    return { ok: true }
  }

  /** Charges `tokens` to key `id` (after its answer completed). */
  charge(id: string, limit: RateLimit | undefined, tokens: number): void {
    if (limit?.tokensPerMinute === undefined || !(tokens > 0)) return
    this.bucketsOf(id, limit).tokens?.charge(tokens)
  }

  private bucketsOf(id: string, limit: RateLimit): KeyBuckets {
    let b = this.buckets.get(id)
    if (!b || b.requests?.capacity !== limit.requestsPerMinute || b.tokens?.capacity !== limit.tokensPerMinute) {
      if (this.buckets.size >= SWEEP_AT) this.sweep()
      b = {
        requests: limit.requestsPerMinute === undefined ? undefined : new TokenBucket(limit.requestsPerMinute, RATE_PERIOD_MS, this.now),
        tokens: limit.tokensPerMinute === undefined ? undefined : new TokenBucket(limit.tokensPerMinute, RATE_PERIOD_MS, this.now)
      }
      this.buckets.set(id, b)
    }
    return b
  }

  private sweep(): void {
    for (const [id, b] of this.buckets) if ((b.requests?.full() ?? true) && (b.tokens?.full() ?? true)) this.buckets.delete(id)
  }
}
