/**
 * Admission to one engine: at most `capacity` requests at once (what the engine reports it runs in
 * parallel, or a configured limit); the rest wait in order. Waiting here, not in the engine, keeps
 * the queue visible to routing and lets a waiter that gives up (client gone) leave without cost.
 */
import { QueueFullError } from '../errors/errors.js'

export class EngineSlots {
  private busy = 0
  private readonly waiters: { grant: () => void; fail: (e: unknown) => void }[] = []

  constructor(
    private capacity: number,
    private readonly maxWaiters = 256
  ) {}

  setCapacity(n: number): void {
    this.capacity = Math.max(1, n)
    this.pump()
  }

  stats(): { total: number; busy: number; waiting: number } {
    return { total: this.capacity, busy: this.busy, waiting: this.waiters.length }
  }

  /** Resolves with a release function once a slot is free (ms waited alongside). */
  async acquire(model: string, signal: AbortSignal): Promise<{ release: () => void; waitedMs: number }> {
    const started = Date.now()
    if (this.busy >= this.capacity) {
      if (this.waiters.length >= this.maxWaiters) throw new QueueFullError(model, 1)
      await new Promise<void>((resolve, reject) => {
        const w = {
          grant: () => {
            signal.removeEventListener('abort', onAbort)
            resolve()
          },
          fail: reject
        }
        const onAbort = (): void => {
          const i = this.waiters.indexOf(w)
          if (i >= 0) this.waiters.splice(i, 1)
          reject(signal.reason)
        }
        signal.addEventListener('abort', onAbort, { once: true })
        this.waiters.push(w)
      })
    } else this.busy++
    let released = false
    return {
      waitedMs: Date.now() - started,
      release: () => {
        if (released) return
        released = true
        this.busy--
        this.pump()
      }
    }
  }

  private pump(): void {
    while (this.busy < this.capacity && this.waiters.length > 0) {
      this.busy++
      this.waiters.shift()?.grant()
    }
  }
}
