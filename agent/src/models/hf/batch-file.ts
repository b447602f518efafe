/**
 * Gathers a download into a ring of small shared-memory slots: the connection reads straight into
 * the current slot (a DirectSink, see net/bulk-get.ts), and a full slot goes to a store that writes
 * it to the file (in order, and never after a failed write, so the file has no hole a resume would
 * skip) and hashes it, while the next slots fill. A slot is reused once its store is done with it.
 * A pull's store is the hashing thread (hash-worker.ts), which writes each slot and then hashes it
 * while it is still in the cache: the thread that parses the connection only hands slots over.
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

/**
 * Where full slots go. `put` writes bytes `[0, len)` of a slot at the file's end and, with `hash`,
 * adds them to the download's SHA-256; the bytes do not change until it resolves. Puts complete in
 * the order they were made, and once one fails every later one fails too (no hole in the file).
 */
export interface SlotStore {
  put(sab: SharedArrayBuffer, len: number, hash: boolean): Promise<void>
  close(): Promise<void>
  /** SLOTS buffers of SLOT_BYTES the download reads into, owned by the store; absent: the file allocates its own. */
  ring?: Buffer[]
}

/** Opens the store of a file: appending to it (a resume) or replacing it. */
export type StoreOpener = (path: string, append: boolean) => Promise<SlotStore>

/** Bytes of one slot: a write and a hash each. Small enough to stay in a core's cache (1 MiB of L2 here). */
export const SLOT_BYTES = 1 << 20
/**
 * Bytes of one write call: a slot goes to the file in four. The kernel sizes the page-cache folios it
 * allocates by the write's length, and on a VM that hands freed memory back to its host (free page
 * reporting) the large ones come from blocks the host has to back again: 455 MB written in 1 MiB
 * calls took 167–325 ms after such a hand-back, in 256 KiB calls 66–76 ms, as in 1 MiB calls on memory
 * that stayed backed (62–70 ms; specs/models.md, Benchmark). curl writes 4–16 KiB at a time.
 */
export const WRITE_BYTES = 256 << 10
/** Slots in the ring: what may be in flight (written or hashed) while the connection reads on. */
export const SLOTS = 8
/** Free room a slot always offers a read; a slot with less is handed off. */
export const MIN_SPACE_BYTES = 64 << 10
/**
 * A partly filled slot is handed off after this long (ms): a slow download still reaches the disk
 * (and its progress, which counts written bytes, moves), so a kill -9 loses at most this much.
 */
export const FLUSH_EVERY_MS = 200

/** A ring of SLOTS fresh shared buffers of SLOT_BYTES (a download's slots). */
export function newRing(): Buffer[] {
  return Array.from({ length: SLOTS }, () => Buffer.from(new SharedArrayBuffer(SLOT_BYTES)))
}

interface Busy {
  slot: Buffer
  /** Settles (never rejects) once the slot is stored, or failed (`error`). */
  done: Promise<void>
}

/** A store on this thread that writes and does not hash (a file without a checksum, tests). */
export async function fileStore(path: string, append: boolean): Promise<SlotStore> {
  const file: FileHandle = await open(path, append ? 'a' : 'w')
  let last: Promise<void> = Promise.resolve()
  const writeAll = async (b: Buffer): Promise<void> => {
    for (let off = 0; off < b.length; ) off += (await file.write(b, off, Math.min(b.length - off, WRITE_BYTES))).bytesWritten
  }
  return {
    put(sab, len) {
      // after the one before it, and not at all if that one failed
      last = last.then(() => writeAll(Buffer.from(sab, 0, len)))
      return last
    },
    close: () => file.close()
  }
}

export class BatchFile implements DirectSink {
  private readonly free: Buffer[]
  private cur: Buffer
  private used = 0
  /** Slots handed off, oldest first. */
  private readonly busy: Busy[] = []
  /** The slot that becomes current once `filled`'s promise settles (see `space`). */
  private awaited: Buffer | null = null
  private error: Error | null = null
  private written = 0
  private flushedAt = Date.now()

  private constructor(
    private readonly store: SlotStore,
    private readonly onWritten: (bytes: number) => void
  ) {
    // the store's ring is idle between files: finish and abort wait for every slot handed off
    const ring = store.ring ?? newRing()
    this.cur = ring[0] as Buffer
    this.free = ring.slice(1)
  }

  /**
   * Opens `path` for appending (resume) or replaces it, through `opener` (by default a store that
   * writes on this thread and does not hash); `onWritten` gets the bytes on disk after each slot.
   */
  static async open(path: string, append: boolean, onWritten: (bytes: number) => void = () => undefined, opener: StoreOpener = fileStore): Promise<BatchFile> {
    return new BatchFile(await opener(path, append), onWritten)
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
      await this.store.close()
    }
  }

  /**
   * Writes what arrived (the current slot unhashed: a failed download's hash is dropped, a resume
   * hashes the file again) and closes the file; a later resume starts from there.
   */
  async abort(): Promise<void> {
    try {
      await this.settled()
      if (!this.error && this.used > 0) await this.store.put(this.cur.buffer as SharedArrayBuffer, this.used, false)
    } finally {
      await this.store.close()
    }
  }

  private async settled(): Promise<void> {
    await Promise.all(this.busy.map((b) => b.done))
  }

  /** Hands `[0, used)` of the current slot to the store (written after the slots before it, and hashed). */
  private handOff(): void {
    const slot = this.cur
    const len = this.used
    this.used = 0
    this.flushedAt = Date.now()
    const busy: Busy = {
      slot,
      done: this.store.put(slot.buffer as SharedArrayBuffer, len, true).then(
        () => {
          this.written += len
          this.onWritten(this.written)
        },
        (err: unknown) => void (this.error ??= err as Error)
      ).finally(() => {
        this.busy.splice(this.busy.indexOf(busy), 1)
        this.free.push(slot)
      })
    }
    this.busy.push(busy)
  }
}
