/**
 * Per-model admission: at most `capacity` requests hold a slot; up to `maxWaiters` more wait FIFO for
 * at most `maxWaitMs`. Full → QueueFullError (429), waited too long → QueueTimeoutError (503); both
 * carry a Retry-After estimated from recent service times. A lease is released exactly once, whatever
 * ends the request (success, error, abort), so counters can never leak or go negative.
 */
import { QueueFullError, QueueTimeoutError } from '../errors/errors.js'

/** Smoothing of the service-time average used for Retry-After. */
const SERVICE_EMA_ALPHA = 0.2

export interface AdmissionInit {
  /** Waiters allowed per model beyond the slots. @default 64 */
  maxWaiters?: number
  /** Longest wait for a slot (ms). @default 30000 */
  maxWaitMs?: number
  /** Clock (ms). @default Date.now */
  now?: () => number
}

/** A held slot. `release()` is idempotent. */
export interface SlotLease {
  readonly waitedMs: number
  release(): void
}

interface Waiter {
  resolve: (lease: SlotLease) => void
  reject: (err: unknown) => void
  enqueuedAt: number
  /** Goes before every waiter without it (FIFO among those with it). */
  ahead: boolean
  cleanup: () => void
}

interface ModelQueue {
  busy: number
  capacity: number
  waiters: Waiter[]
  serviceMsEma: number
  served: number
}

export interface AdmissionStats {
  busy: number
  waiting: number
  capacity: number
  /** Average time a request held a slot (ms, EMA); 0 before the first. */
  avgServiceMs: number
  /** Requests that held a slot and released it: how much evidence the speed figures rest on. */
  served: number
}

export class AdmissionQueue {
  private readonly maxWaiters: number
  private readonly maxWaitMs: number
  private readonly now: () => number
  private readonly queues = new Map<string, ModelQueue>()
  /** Called after any slot is taken or freed or a waiter joins or leaves (must be cheap and non-throwing). */
  onChange?: () => void

  constructor(init: AdmissionInit = {}) {
    this.maxWaiters = init.maxWaiters ?? 64
    this.maxWaitMs = init.maxWaitMs ?? 30_000
    this.now = init.now ?? Date.now
  }

  private queue(model: string): ModelQueue {
    let q = this.queues.get(model)
    if (!q) {
      q = { busy: 0, capacity: 1, waiters: [], serviceMsEma: 0, served: 0 }
      this.queues.set(model, q)
    }
    return q
  }

  /** Seconds a client should wait before retrying, from the average service time and the backlog. */
  private retryAfterS(q: ModelQueue): number {
    const perSlot = (q.serviceMsEma || 1000) * (q.waiters.length + 1) / Math.max(1, q.capacity)
    return Math.max(1, Math.min(60, Math.ceil(perSlot / 1000)))
  }

  private lease(model: string, q: ModelQueue, waitedMs: number): SlotLease {
    q.busy++
    this.onChange?.()
    const started = this.now()
    let released = false
    return {
      waitedMs,
      release: () => {
        if (released) return
        released = true
        q.busy = Math.max(0, q.busy - 1)
        const took = this.now() - started
        q.serviceMsEma = q.serviceMsEma === 0 ? took : q.serviceMsEma + SERVICE_EMA_ALPHA * (took - q.serviceMsEma)
        q.served++
        this.pump(model, q)
        this.onChange?.()
      }
    }
  }

  private pump(model: string, q: ModelQueue): void {
    while (q.busy < q.capacity && q.waiters.length > 0) {
      const w = q.waiters.shift() as Waiter
      w.cleanup()
      w.resolve(this.lease(model, q, this.now() - w.enqueuedAt))
    }
  }

  /** True when a request for `model` would get a slot without waiting. */
  hasFreeSlot(model: string, capacity: number): boolean {
    const q = this.queues.get(model)
    return !q || (q.busy < capacity && q.waiters.length === 0)
  }

  /**
   * Waits for a slot of `model`, which has `capacity` slots right now. `ahead`: the request already
   * waited on a failed holder; it waits behind other such requests only.
   * Rejects with QueueFullError, QueueTimeoutError, or the signal's reason when aborted.
   */
  acquire(model: string, capacity: number, signal?: AbortSignal, ahead = false): Promise<SlotLease> {
    const q = this.queue(model)
    q.capacity = Math.max(1, capacity)
    signal?.throwIfAborted()
    if (q.busy < q.capacity && q.waiters.length === 0) return Promise.resolve(this.lease(model, q, 0))
    if (q.waiters.length >= this.maxWaiters) return Promise.reject(new QueueFullError(model, this.retryAfterS(q)))
    return new Promise<SlotLease>((resolve, reject) => {
      const enqueuedAt = this.now()
      const remove = (): void => {
        const i = q.waiters.indexOf(waiter)
        if (i >= 0) q.waiters.splice(i, 1)
      }
      const onAbort = (): void => {
        remove()
        waiter.cleanup()
        reject(signal?.reason)
      }
      const timer = setTimeout(() => {
        remove()
        waiter.cleanup()
        reject(new QueueTimeoutError(model, this.now() - enqueuedAt, this.retryAfterS(q)))
      }, this.maxWaitMs)
      timer.unref?.()
      const waiter: Waiter = {
        resolve,
        reject,
        enqueuedAt,
        ahead,
        cleanup: () => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
        }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      const after = ahead ? q.waiters.findIndex((w) => !w.ahead) : -1
      if (after >= 0) q.waiters.splice(after, 0, waiter)
      else q.waiters.push(waiter)
    })
  }

  stats(model: string): AdmissionStats {
    const q = this.queues.get(model)
    return { busy: q?.busy ?? 0, waiting: q?.waiters.length ?? 0, capacity: q?.capacity ?? 0, avgServiceMs: Math.round(q?.serviceMsEma ?? 0), served: q?.served ?? 0 }
  }

  /** Requests holding or waiting for a slot, all models. */
  totalInFlight(): number {
    let n = 0
    for (const q of this.queues.values()) n += q.busy + q.waiters.length
    return n
  }
}
