import { describe, expect, it } from 'vitest'
import { SlotPool, SlotWaitAborted } from '../../../native-runtime/src/child/slot-pool.js'

describe('SlotPool', () => {
  it('lends free items and makes later callers wait in FIFO order', async () => {
    const pool = new SlotPool(['a', 'b'])
    expect([await pool.acquire(), await pool.acquire()]).toEqual(['a', 'b'])
    expect(pool.busy).toBe(2)
    const order: string[] = []
    const first = pool.acquire().then((x) => order.push(`first:${x}`))
    const second = pool.acquire().then((x) => order.push(`second:${x}`))
    pool.release('b')
    pool.release('a')
    await Promise.all([first, second])
    expect(order).toEqual(['first:b', 'second:a'])
  })

  it('drops a waiter whose signal aborts, so the next release goes to the one after it', async () => {
    const pool = new SlotPool(['a'])
    await pool.acquire()
    const ac = new AbortController()
    const aborted = pool.acquire(ac.signal)
    const next = pool.acquire()
    ac.abort()
    await expect(aborted).rejects.toBeInstanceOf(SlotWaitAborted)
    pool.release('a')
    await expect(next).resolves.toBe('a')
  })

  it('fails every waiter on close', async () => {
    const pool = new SlotPool<string>([])
    const waiting = pool.acquire()
    pool.close(new Error('unloaded'))
    await expect(waiting).rejects.toThrow('unloaded')
  })
})
