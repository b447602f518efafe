/**
 * Gathers a download into two 16 MiB buffers written in turn, one write in flight while the other
 * buffer fills: one write (one thread-pool hand-off) per 16 MiB. The connection reads straight into
 * the buffer (a DirectSink, see net/bulk-get.ts), so no byte is copied in user space. The buffers are
 * shared memory: a hasher given at open hashes each batch in its thread while the batch is written.
 */
import { open, type FileHandle } from 'node:fs/promises'
import type { DirectSink } from '../../net/index.js'

/** Hashes a batch where it lies (hash-worker.ts); the bytes do not change until it resolves. */
export interface BatchHasher {
  update(sab: SharedArrayBuffer, len: number): Promise<void>
}

/** Free room a batch always offers a read; a batch with less is written. */
export const MIN_SPACE_BYTES = 4 << 20
/** Bytes written at once. */
export const BATCH_BYTES = 16 << 20
/**
 * A partly filled buffer is written after this long (ms): a slow download still reaches the disk
 * (and its progress, which counts written bytes, moves), so a kill -9 loses at most this much.
 */
export const FLUSH_EVERY_MS = 200

const sharedBuffer = (): Buffer => Buffer.from(new SharedArrayBuffer(BATCH_BYTES))

export class BatchFile implements DirectSink {
  private cur: Buffer = sharedBuffer()
  private spare: Buffer | null = sharedBuffer()
  private used = 0
  private inflight: Promise<void> | null = null
  /** The batch being written that becomes current once `filled`'s promise settles (see `space`). */
  private awaited: Buffer | null = null
  /** The batch in flight. */
  private writing: Buffer | null = null
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
   * the batch in flight, which nothing may touch before the promise settles and which is current
   * from then on: a connection paused on that promise resumes straight into it.
   */
  space(): Buffer {
    return this.awaited ?? this.cur.subarray(this.used)
  }

  /**
   * `n` bytes landed at the start of `space()`. A returned promise means both buffers are busy: no
   * more bytes until it resolves. Rejects (or throws) with a failed write's error.
   */
  filled(n: number): Promise<void> | undefined {
    if (this.error) throw this.error
    this.used += n
    const full = BATCH_BYTES - this.used < MIN_SPACE_BYTES
    if (!full && (this.inflight || Date.now() - this.flushedAt < FLUSH_EVERY_MS)) return undefined
    if (!this.inflight) {
      this.flush()
      return undefined
    }
    this.awaited = this.writing
    return this.inflight.then(() => {
      this.awaited = null
      if (this.error) throw this.error
      this.flush()
    })
  }

  /** Writes what is left and closes the file. */
  async finish(): Promise<void> {
    try {
      await this.inflight
      if (this.error) throw this.error
      if (this.used > 0) await this.writeAndHash(this.cur, this.used)
      this.onWritten(this.written)
    } finally {
      await this.file.close()
    }
  }

  /**
   * Writes what arrived (unhashed: a failed download's hash is dropped, a resume hashes the file
   * again) and closes the file; a later resume starts from there.
   */
  async abort(): Promise<void> {
    try {
      await this.inflight
      if (!this.error && this.used > 0) await this.writeAll(this.cur.subarray(0, this.used))
    } finally {
      await this.file.close()
    }
  }

  private flush(): void {
    const full = this.cur
    const len = this.used
    this.cur = this.spare as Buffer
    this.spare = null
    this.used = 0
    this.flushedAt = Date.now()
    this.writing = full
    this.inflight = this.writeAndHash(full, len).then(
      () => {
        this.inflight = null
        this.writing = null
        this.spare = full
        this.onWritten(this.written)
      },
      (err: unknown) => {
        this.inflight = null
        this.error = err as Error
      }
    )
  }

  /** Writes and hashes `[0, len)` of a batch at once (the hash in its thread). */
  private async writeAndHash(b: Buffer, len: number): Promise<void> {
    await Promise.all([this.writeAll(b.subarray(0, len)), this.hasher?.update(b.buffer as SharedArrayBuffer, len)])
  }

  private async writeAll(b: Buffer): Promise<void> {
    for (let off = 0; off < b.length; ) {
      const n = (await this.file.write(b, off, b.length - off)).bytesWritten
      off += n
      this.written += n
    }
  }
}
