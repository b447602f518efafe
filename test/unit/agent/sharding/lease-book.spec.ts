/** LeaseBook: one holder at a time, renewals extend, a lease not renewed within its ttl ends. */
import { describe, expect, it } from 'vitest'
import { LeaseBook, type HeldLease, type LeaseEndReason } from '../../../../agent/src/sharding/lease/lease-book.js'

function book(ttl = 1000) {
  const ended: Array<[string, LeaseEndReason]> = []
  const b = new LeaseBook(ttl, (l: HeldLease, why) => ended.push([l.holder, why]))
  return { b, ended }
}

describe('LeaseBook', () => {
  it('grants one holder; another is busy until the holder releases', () => {
    const { b, ended } = book()
    const first = b.acquire('A', 'm', 10, 0)
    expect(first).toMatchObject({ ok: true, lease: { holder: 'A', model: 'm', bytes: 10, expiresAt: 1000 } })
    expect(b.acquire('C', 'm', 10, 1)).toEqual({ ok: false, reason: 'busy', holder: 'A' })
    expect(b.release('C', undefined)).toBe(false)
    expect(b.release('A', first.ok ? first.lease.id : '')).toBe(true)
    expect(b.release('A', undefined)).toBe(false)
    expect(ended).toEqual([['A', 'released']])
    expect(b.acquire('C', 'm', 10, 2).ok).toBe(true)
  })

  it('renewal extends the term; without it the lease expires and another node may take it', () => {
    const { b, ended } = book()
    const g = b.acquire('A', 'm', 1, 0)
    const id = g.ok ? g.lease.id : ''
    expect(b.renew('A', id, 900)).toMatchObject({ ok: true, lease: { expiresAt: 1900 } })
    expect(b.renew('A', 'other-grant', 950)).toMatchObject({ ok: false, reason: 'not_holder' })
    expect(b.renew('C', undefined, 950)).toMatchObject({ ok: false, reason: 'not_holder', holder: 'A' })
    b.expire(1899)
    expect(b.held?.holder).toBe('A')
    b.expire(1900)
    expect(b.held).toBeUndefined()
    expect(ended).toEqual([['A', 'expired']])
    expect(b.renew('A', id, 1901)).toEqual({ ok: false, reason: 'not_holder' })
  })

  it('the holder acquiring again gets a new grant (the old one ends); a revoke ends any lease', () => {
    const { b, ended } = book()
    const g1 = b.acquire('A', 'm', 1, 0)
    const g2 = b.acquire('A', 'm', 1, 5)
    expect(g1.ok && g2.ok && g1.lease.id !== g2.lease.id).toBe(true)
    b.revoke('worker_restarted')
    b.revoke('worker_restarted')
    expect(ended).toEqual([['A', 'replaced'], ['A', 'worker_restarted']])
  })
})
