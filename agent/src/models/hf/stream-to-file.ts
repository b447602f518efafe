/**
 * Writes a response body to a file and hashes it on the same chunks, in one pass. The chunks are
 * gathered into batches written with one `writev` each (no copy), one batch in flight while the next
 * one fills: a 64 KiB write per chunk costs a thread-pool hand-off per chunk, which on a busy box
 * was most of the download's CPU time. Memory stays bounded by two batches (the socket is paused
 * while a full batch waits for the previous write).
 */
import type { Hash } from 'node:crypto'
import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'

/** Bytes gathered before a write. */
export const WRITE_BATCH_BYTES = 4 << 20
/** Chunks in one writev (below every platform's IOV_MAX). */
export const WRITE_BATCH_CHUNKS = 512
/** Fastest rate of progress reports while bytes arrive (ms). */
export const PROGRESS_EVERY_MS = 50

export interface StreamToFileInit {
  body: Readable
  path: string
  /** Append to the file (resume) instead of replacing it. */
  append: boolean
  /** Fed with every chunk, in order. */
  hash: Hash
  /** Called with the bytes written by this call so far (at most every PROGRESS_EVERY_MS, and at the end). */
  onBytes: (bytes: number) => void
  signal?: AbortSignal
}

/** Resolves with the number of bytes written once all of them are on disk. */
export async function streamToFile(s: StreamToFileInit): Promise<number> {
  const file = await open(s.path, s.append ? 'a' : 'w')
  let written = 0
  let inFlight: Promise<unknown> = Promise.resolve()
  let batch: Buffer[] = []
  let batchBytes = 0
  let reported = 0
  const flush = async (): Promise<void> => {
    await inFlight
    const chunks = batch
    batch = []
    batchBytes = 0
    inFlight = file.writev(chunks)
  }
  try {
    for await (const chunk of s.body as AsyncIterable<Buffer>) {
      s.signal?.throwIfAborted()
      s.hash.update(chunk)
      batch.push(chunk)
      batchBytes += chunk.length
      written += chunk.length
      if (batchBytes >= WRITE_BATCH_BYTES || batch.length >= WRITE_BATCH_CHUNKS) await flush()
      const t = Date.now()
      if (t - reported >= PROGRESS_EVERY_MS) {
        reported = t
        s.onBytes(written)
      }
    }
    if (batch.length > 0) await flush()
    await inFlight
    s.onBytes(written)
    return written
  } catch (err) {
    // a write still running must end before the file is closed
    await inFlight.catch(() => undefined)
    s.body.destroy()
    throw err
  } finally {
    await file.close()
  }
}
