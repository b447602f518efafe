/**
 * Who holds this node's RPC worker: one holder at a time, for `ttlMs` after its last acquire or
 * renewal. Pure and clock-injected: the lease service calls `expire(now)` on a timer and closes the
 * tunnels of whatever ended.
 */

export interface HeldLease {
  /** Changes on every grant: tunnels opened under an older grant are not this lease's. */
  id: string
  holder: string
  model: string
  bytes: number
  grantedAt: number
  expiresAt: number
}

export type LeaseAnswer = { ok: true; lease: HeldLease } | { ok: false; reason: 'busy' | 'not_holder'; holder?: string }

export type LeaseEndReason = 'released' | 'expired' | 'replaced' | 'worker_restarted'

export class LeaseBook {
  private current: HeldLease | undefined
  private seq = 0

  constructor(private readonly ttlMs: number, private readonly onEnd: (lease: HeldLease, why: LeaseEndReason) => void) {}

  get held(): HeldLease | undefined {
    return this.current
  }

  /**
   * Grants the lease to `holder` unless another peer holds it. The holder asking again gets a fresh
   * grant (a coordinator that restarted): the old grant ends as `replaced` and its tunnels close.
   */
  acquire(holder: string, model: string, bytes: number, now: number): LeaseAnswer {
    this.expire(now)
    const cur = this.current
    if (cur !== undefined && cur.holder !== holder) return { ok: false, reason: 'busy', holder: cur.holder }
    if (cur !== undefined) this.end('replaced')
    this.current = { id: `${now.toString(36)}-${(++this.seq).toString(36)}`, holder, model, bytes, grantedAt: now, expiresAt: now + this.ttlMs }
    return { ok: true, lease: this.current }
  }

  /** Extends the holder's lease (its `id` must match when given). */
  renew(holder: string, id: string | undefined, now: number): LeaseAnswer {
    this.expire(now)
    const cur = this.current
    if (cur === undefined || cur.holder !== holder || (id !== undefined && id !== cur.id)) return { ok: false, reason: 'not_holder', ...(cur === undefined ? {} : { holder: cur.holder }) }
    cur.expiresAt = now + this.ttlMs
    return { ok: true, lease: cur }
  }

  /** Ends the holder's lease; true when it held one. Idempotent. */
  release(holder: string, id: string | undefined): boolean {
    const cur = this.current
    if (cur === undefined || cur.holder !== holder || (id !== undefined && id !== cur.id)) return false
    this.end('released')
    return true
  }

  /** Ends a lease not renewed in time. */
  expire(now: number): void {
    if (this.current !== undefined && now >= this.current.expiresAt) this.end('expired')
  }

  /** Ends any lease: the worker it was for is gone (restarted, stopped). */
  revoke(why: LeaseEndReason): void {
    if (this.current !== undefined) this.end(why)
  }

  private end(why: LeaseEndReason): void {
    const cur = this.current
    this.current = undefined
    if (cur !== undefined) this.onEnd(cur, why)
  }
}
