/**
 * A single-consumer queue that turns pushed events into awaited ones: the bridge from IPC messages to the
 * async generator of `generate()`.
 */
export class AsyncQueue<T> {
  private readonly items: T[] = []
  private waiter: { resolve: (item: T) => void; reject: (err: unknown) => void } | null = null
  private failure: { err: unknown } | null = null

  /** Queues an item (ignored after `fail`). */
  push(item: T): void {
    if (this.failure !== null) return
    if (this.waiter !== null) {
      const w = this.waiter
      this.waiter = null
      w.resolve(item)
    } else this.items.push(item)
  }

  /** Fails the queue: items already queued are still delivered, then `next` rejects with `err`. First call wins. */
  fail(err: unknown): void {
    if (this.failure !== null) return
    this.failure = { err }
    if (this.waiter !== null) {
      const w = this.waiter
      this.waiter = null
      w.reject(err)
    }
  }

  /** The next item; waits for one. Only one `next` may be pending at a time. */
  next(): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift() as T)
    if (this.failure !== null) return Promise.reject(this.failure.err)
    return new Promise<T>((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }
}
