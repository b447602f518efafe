import { describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { AdmissionQueue } from '../../../agent/src/scheduler/admission-queue.js'
import { QueueFullError, QueueTimeoutError } from '../../../agent/src/errors/errors.js'

describe('AdmissionQueue', () => {
  it('grants up to capacity at once, then FIFO', async () => {
    const q = new AdmissionQueue({ maxWaiters: 10 })
    const a = await q.acquire('m', 2)
    const b = await q.acquire('m', 2)
    const order: string[] = []
    const c = q.acquire('m', 2).then((l) => (order.push('c'), l))
    const d = q.acquire('m', 2).then((l) => (order.push('d'), l))
    expect(q.stats('m')).toMatchObject({ busy: 2, waiting: 2, capacity: 2 })
    a.release()
    a.release() // idempotent
    const lc = await c
    expect(q.stats('m').busy).toBe(2)
    b.release()
    const ld = await d
    expect(order).toEqual(['c', 'd'])
    lc.release()
    ld.release()
    expect(q.stats('m')).toMatchObject({ busy: 0, waiting: 0, capacity: 2 })
  })

  it('a request that failed over waits ahead of the others, behind earlier failed-over ones only', async () => {
    const q = new AdmissionQueue({ maxWaiters: 10 })
    const held = await q.acquire('m', 1)
    const order: string[] = []
    const take = (name: string, ahead = false) => q.acquire('m', 1, undefined, ahead).then((l) => { order.push(name); l.release() })
    const all = [take('plain1'), take('plain2'), take('failover1', true), take('plain3'), take('failover2', true)]
    held.release()
    await Promise.all(all)
    expect(order).toEqual(['failover1', 'failover2', 'plain1', 'plain2', 'plain3'])
    expect(q.stats('m')).toMatchObject({ busy: 0, waiting: 0 })
  })

  it('rejects with 429 Retry-After when the queue is full', async () => {
    const q = new AdmissionQueue({ maxWaiters: 1 })
    await q.acquire('m', 1)
    void q.acquire('m', 1)
    const err = await q.acquire('m', 1).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(QueueFullError)
    expect(Number((err as QueueFullError).headers['retry-after'])).toBeGreaterThanOrEqual(1)
  })

  it('times out waiters with 503 and removes them', async () => {
    vi.useFakeTimers()
    try {
      const q = new AdmissionQueue({ maxWaiters: 5, maxWaitMs: 1000 })
      await q.acquire('m', 1)
      const p = q.acquire('m', 1).catch((e: unknown) => e)
      await vi.advanceTimersByTimeAsync(1001)
      expect(await p).toBeInstanceOf(QueueTimeoutError)
      expect(q.stats('m').waiting).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('an aborted waiter leaves the queue', async () => {
    const q = new AdmissionQueue()
    await q.acquire('m', 1)
    const ac = new AbortController()
    const p = q.acquire('m', 1, ac.signal).catch((e: unknown) => e)
    ac.abort(new Error('gone'))
    expect(((await p) as Error).message).toBe('gone')
    expect(q.stats('m').waiting).toBe(0)
  })

  it('counters return to zero whatever mix of releases, aborts and timeouts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('release', 'abort', 'release-twice'), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 4 }), async (ops, cap) => {
        const q = new AdmissionQueue({ maxWaiters: 100 })
        const pending = ops.map((op) => {
          const ac = new AbortController()
          const p = q.acquire('m', cap, ac.signal)
          return { op, ac, p }
        })
        for (const { op, ac } of pending) if (op === 'abort') ac.abort(new Error('x'))
        for (const { op, p } of pending) {
          const lease = await p.catch(() => undefined)
          if (!lease) continue
          lease.release()
          if (op === 'release-twice') lease.release()
        }
        const s = q.stats('m')
        return s.busy === 0 && s.waiting === 0 && q.totalInFlight() === 0
      }),
      { numRuns: 100 }
    )
  })
})
