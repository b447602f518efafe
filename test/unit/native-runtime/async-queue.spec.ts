import { describe, expect, it } from 'vitest'
import { AsyncQueue } from '../../../native-runtime/src/async-queue.js'

describe('AsyncQueue', () => {
  it('delivers items pushed before and after the consumer waits, in order', async () => {
    const q = new AsyncQueue<number>()
    q.push(1)
    const second = q.next().then(() => q.next())
    q.push(2)
    expect(await second).toBe(2)
  })

  it('delivers queued items before the failure, then rejects; later pushes are ignored', async () => {
    const q = new AsyncQueue<number>()
    q.push(1)
    q.fail(new Error('died'))
    q.fail(new Error('second failure is ignored'))
    q.push(2)
    expect(await q.next()).toBe(1)
    await expect(q.next()).rejects.toThrow('died')
  })

  it('rejects a pending consumer at once', async () => {
    const q = new AsyncQueue<number>()
    const waiting = q.next()
    q.fail(new Error('aborted'))
    await expect(waiting).rejects.toThrow('aborted')
  })
})
