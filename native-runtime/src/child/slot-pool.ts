/**
 * A FIFO pool of the sequences of one context. The parent's admission keeps requests within the number of
 * slots, but a cancelled generation frees its sequence only after the current decode step returns, so a
 * request admitted right after a cancel may briefly wait here instead of failing.
 */

/** Thrown by {@link SlotPool.acquire} when its signal aborts while waiting. */
export class SlotWaitAborted extends Error {
  constructor() {
    super('aborted while waiting for a free slot')
  }
}

export class SlotPool<T> {
  private readonly free: T[]
  private readonly waiters: { resolve: (item: T) => void; reject: (err: Error) => void }[] = []

  /** Items in the pool. */
  readonly size: number

  constructor(items: readonly T[]) {
    this.free = [...items]
    this.size = items.length
  }

  /** Items currently lent out. */
  get busy(): number {
    return this.size - this.free.length
  }

  /**
   * Takes a free item — the one `score` rates highest (the first free one without it, or on a tie) —
   * waiting in FIFO order for one when none is free.
   */
  acquire(signal?: AbortSignal, score?: (item: T) => number): Promise<T> {
    const item = this.takeFree(score)
    if (item !== undefined) return Promise.resolve(item)
    if (signal?.aborted) return Promise.reject(new SlotWaitAborted())
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        resolve: (i: T): void => {
          signal?.removeEventListener('abort', onAbort)
          resolve(i)
        },
        reject
      }
      const onAbort = (): void => {
        const at = this.waiters.indexOf(waiter)
        if (at >= 0) this.waiters.splice(at, 1)
        reject(new SlotWaitAborted())
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(waiter)
    })
  }

  private takeFree(score?: (item: T) => number): T | undefined {
    if (score === undefined || this.free.length < 2) return this.free.shift()
    let best = 0
    let bestScore = -Infinity
    this.free.forEach((item, i) => {
      const v = score(item)
      if (v > bestScore) {
        best = i
        bestScore = v
      }
    })
    return this.free.splice(best, 1)[0]
  }

  /** Returns an item: the longest waiter gets it, otherwise it goes back to the free list. */
  release(item: T): void {
    const next = this.waiters.shift()
    if (next !== undefined) next.resolve(item)
    else this.free.push(item)
  }

  /** Fails every waiter (the pool's model is being unloaded). */
  close(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err)
  }
}
