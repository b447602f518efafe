/**
 * Gathers a download into a ring of small shared-memory slots: the connection reads straight into
 * the current slot (a DirectSink, see net/bulk-get.ts), and a full slot is written to the file (one
 * write in flight at a time, so the file never has a hole a resume would skip) and hashed in the
 * hasher's thread, while the next slots fill. A slot is reused once both are done.
 *
 * Why small slots: a 1 MiB slot is still in the CPU's cache when the kernel copies it into the page
 * cache and the hasher reads it. With the two 16 MiB batches this replaces, every byte went out to
 * memory and back twice more: a 455 MB pull cost 1.1–1.7 s of CPU on a 2-core VM, most of it kernel
 * copies, and 0.8–1.2 s of wall; with 8 slots of 1 MiB, 0.83–0.91 s and 0.53–0.64 s (specs/models.md,
 * Benchmark). 256 KiB slots cost more (a write and a hash message per slot), 4 MiB ones as much as
 * the old batches.
 */
import { open, type FileHandle } from 'node:fs/promises'
import type { DirectSink } from '../../net/index.js'

/** Hashes a batch where it lies (hash-worker.ts); the bytes do not change until it resolves. */
export interface BatchHasher {
  update(sab: SharedArrayBuffer, len: number): Promise<void>
}

/** Bytes of one slot: a write and a hash each. Small enough to stay in a core's cache (1 MiB of L2 here). */
export const SLOT_BYTES = 1 << 20
/** Slots in the ring: what may be in flight (written or hashed) while the connection reads on. */
export const SLOTS = 8
/** Free room a slot always offers a read; a slot with less is handed off. */
export const MIN_SPACE_BYTES = 64 << 10
/**
 * A partly filled slot is handed off after this long (ms): a slow download still reaches the disk
 * (and its progress, which counts written bytes, moves), so a kill -9 loses at most this much.
 */
export const FLUSH_EVERY_MS = 200

interface Busy {
  slot: Buffer
  /** Settles (never rejects) once the slot is written and hashed, or failed (`error`). */
  done: Promise<void>
}

export class BatchFile implements DirectSink {
  private readonly free: Buffer[] = Array.from({ length: SLOTS - 1 }, () => Buffer.from(new SharedArrayBuffer(SLOT_BYTES)))
  private cur: Buffer = Buffer.from(new SharedArrayBuffer(SLOT_BYTES))
  private used = 0
  /** Slots handed off, oldest first. */
  private readonly busy: Busy[] = []
  /** The last write: the next one starts after it (and is skipped if it failed). */
  private lastWrite: Promise<void> = Promise.resolve()
  /** The slot that becomes current once `filled`'s promise settles (see `space`). */
  private awaited: Buffer | null = null
  private error: Error | null = null
  private written = 0
  private flushedAt = Date.now()

  private constructor(
    private readonly file: FileHandle,
    private readonly onWritten: (bytes: number) => void,
    private readonly hasher?: BatchHasher
  ) {}

  /**
   * Opens `path` for appending (resume) or replaces it; `onWritten` gets the bytes on disk after each
   * write; `hasher`, when given, sees every byte written, in order.
   */
  static async open(path: string, append: boolean, onWritten: (bytes: number) => void = () => undefined, hasher?: BatchHasher): Promise<BatchFile> {
    return new BatchFile(await open(path, append ? 'a' : 'w'), onWritten, hasher)
  }

  /**
   * Where the next bytes go (at least MIN_SPACE_BYTES). After `filled` returned a promise, this is
   * the slot in flight that becomes current when the promise settles, which nothing may touch before:
   * a connection paused on that promise resumes straight into it.
   */
  space(): Buffer {
    return this.awaited ?? this.cur.subarray(this.used)
  }

  /**
   * `n` bytes landed at the start of `space()`. A returned promise means every slot is busy: no more
   * bytes until it resolves. Rejects (or throws) with a failed write's or hash's error.
   */
  filled(n: number): Promise<void> | undefined {
    if (this.error) throw this.error
    this.used += n
    if (SLOT_BYTES - this.used >= MIN_SPACE_BYTES && Date.now() - this.flushedAt < FLUSH_EVERY_MS) return undefined
    this.handOff()
    const next = this.free.pop()
    if (next) {
      this.cur = next
      return undefined
    }
    const oldest = this.busy[0] as Busy
    this.awaited = oldest.slot
    return oldest.done.then(() => {
      this.awaited = null
      if (this.error) throw this.error
      this.free.splice(this.free.indexOf(oldest.slot), 1)
      this.cur = oldest.slot
    })
  }

  /** Writes what is left and closes the file. */
  async finish(): Promise<void> {
    try {
      if (this.error) throw this.error
      if (this.used > 0) this.handOff()
      await this.settled()
      if (this.error) throw this.error
      this.onWritten(this.written)
    } finally {
      await this.file.close()
    }
  }

  /**
   * Writes what arrived (the current slot unhashed: a failed download's hash is dropped, a resume
   * hashes the file again) and closes the file; a later resume starts from there.
   */
  async abort(): Promise<void> {
    try {
      await this.settled()
      if (!this.error && this.used > 0) await this.writeAll(this.cur.subarray(0, this.used))
    } finally {
      await this.file.close()
    }
  }

  private async settled(): Promise<void> {
    await Promise.all(this.busy.map((b) => b.done))
  }

  /** Queues `[0, used)` of the current slot for its write (after the ones before it) and its hash. */
  private handOff(): void {
    const slot = this.cur
    const len = this.used
    this.used = 0
    this.flushedAt = Date.now()
    const written = this.lastWrite.then(() => this.writeAll(slot.subarray(0, len)))
    this.lastWrite = written
    const busy: Busy = {
      slot,
      done: Promise.all([written, this.hasher?.update(slot.buffer as SharedArrayBuffer, len)]).then(
        () => this.onWritten(this.written),
        (err: unknown) => void (this.error ??= err as Error)
      ).finally(() => {
        this.busy.splice(this.busy.indexOf(busy), 1)
        this.free.push(slot)
      })
    }
    this.busy.push(busy)
  }

  private async writeAll(b: Buffer): Promise<void> {
    for (let off = 0; off < b.length; ) {
      const n = (await this.file.write(b, off, b.length - off)).bytesWritten
      off += n
      this.written += n
    }
  }
}
