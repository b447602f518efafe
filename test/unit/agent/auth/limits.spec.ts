import { describe, expect, it } from 'vitest'
import { KeyRateLimiter } from '../../../../agent/src/auth/key-rate-limiter.js'
import { LoginThrottle } from '../../../../agent/src/auth/login-throttle.js'
import { TokenBucket } from '../../../../agent/src/auth/token-bucket.js'
import { tapUsage, usageTokens } from '../../../../agent/src/auth/usage-tap.js'

describe('TokenBucket', () => {
  it('allows a burst of its capacity, then refills continuously', () => {
    const t = { now: 0 }
    const b = new TokenBucket(3, 60_000, () => t.now)
    expect([b.take(), b.take(), b.take()]).toEqual([undefined, undefined, undefined])
    expect(b.take()).toBe(20_000)
    t.now = 20_000
    expect(b.take()).toBeUndefined()
  })
})

describe('KeyRateLimiter', () => {
  it('enforces requests per minute with a Retry-After', () => {
    const t = { now: 0 }
    const l = new KeyRateLimiter(() => t.now)
    const limit = { requestsPerMinute: 2 }
    expect(l.admit('k', limit).ok).toBe(true)
    expect(l.admit('k', limit).ok).toBe(true)
    const refused = l.admit('k', limit)
    expect(refused).toEqual({ ok: false, reason: 'requests', retryAfterS: 30 })
    expect(l.admit('other', limit).ok).toBe(true)
    t.now = 30_000
    expect(l.admit('k', limit).ok).toBe(true)
  })

  it('charges tokens after the fact and refuses while the budget is overdrawn', () => {
    const t = { now: 0 }
    const l = new KeyRateLimiter(() => t.now)
    const limit = { tokensPerMinute: 100 }
    expect(l.admit('k', limit).ok).toBe(true)
    l.charge('k', limit, 150)
    const refused = l.admit('k', limit)
    expect(refused.ok).toBe(false)
    if (!refused.ok) expect(refused.reason).toBe('tokens')
    t.now = 31_000
    expect(l.admit('k', limit).ok).toBe(true)
  })

  it('lets keys without limits through untouched', () => {
    const l = new KeyRateLimiter(() => 0)
    for (let i = 0; i < 1000; i++) expect(l.admit('k', undefined).ok).toBe(true)
  })
})

describe('LoginThrottle', () => {
  it('locks one address+username pair out after repeated failures, not others', () => {
    const t = { now: 0 }
    const th = new LoginThrottle({ now: () => t.now, attemptsPerMinute: 100, maxFailures: 3, lockoutMs: 60_000 })
    for (let i = 0; i < 3; i++) {
      expect(th.attempt('1.1.1.1', 'admin')).toBeUndefined()
      th.failed('1.1.1.1', 'admin')
    }
    expect(th.attempt('1.1.1.1', 'admin')).toBe(60)
    expect(th.attempt('2.2.2.2', 'admin')).toBeUndefined()
    t.now = 61_000
    expect(th.attempt('1.1.1.1', 'admin')).toBeUndefined()
  })

  it('limits attempts per address per minute', () => {
    const th = new LoginThrottle({ now: () => 0, attemptsPerMinute: 2 })
    expect(th.attempt('a', 'x')).toBeUndefined()
    expect(th.attempt('a', 'y')).toBeUndefined()
    expect(th.attempt('a', 'z')).toBe(30)
  })
})

describe('usage tap', () => {
  it('finds the last usage object of JSON and SSE answers', () => {
    expect(usageTokens('{"id":"x","usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}')).toBe(42)
    expect(usageTokens('data: {"usage":{"prompt_tokens":1,"completion_tokens":1}}\n\ndata: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7}}\n\ndata: [DONE]\n\n')).toBe(12)
    expect(usageTokens('{"usage":{"prompt_tokens":9,"total_tokens":9}}')).toBe(9)
    expect(usageTokens('no usage here')).toBeUndefined()
  })

  it('passes chunks through unchanged and reports once at the end', async () => {
    const reported: Array<number | undefined> = []
    const enc = new TextEncoder()
    async function* body(): AsyncGenerator<string | Uint8Array> {
      yield 'data: {"choices":[]}\n\n'
      yield enc.encode('data: {"usage":{"prompt_tokens":3,')
      yield '"completion_tokens":4}}\n\n'
    }
    const out: string[] = []
    for await (const c of tapUsage(body(), (n) => reported.push(n))) out.push(typeof c === 'string' ? c : new TextDecoder().decode(c))
    expect(out.join('')).toContain('"completion_tokens":4')
    expect(reported).toEqual([7])
  })
})
