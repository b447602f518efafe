/**
 * Hands a request's PCM to the audio child as a WAV file on tmpfs (`/dev/shm` where it is writable)
 * instead of inside the IPC message: Node's IPC serialised a 30 s clip (960 KB) in ~13 ms on the
 * development box; a write to tmpfs and whisper.cpp's own file reader take a few. The files are
 * reused (overwritten in place, one per concurrent job, kept open): a fresh megabyte of tmpfs cost
 * 2–10 ms of page allocation here, an overwrite is a copy. A clip up to SYNC_WRITE_BYTES no longer
 * than the file already is (the last clip it held) is written synchronously: an overwrite on tmpfs is a
 * memory copy (~0.1 ms a megabyte), cheaper than the thread-pool round trips of an asynchronous
 * write, each of which waits for the event loop's next turn. A longer clip, or one that needs fresh
 * pages, is written off the event loop. One directory per runtime, named after this process; one
 * left by a process that died is removed at the next start.
 */
import { closeSync, constants, ftruncateSync, openSync, writev, writevSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { makeScratchDir } from '../scratch-dir.js'
import { wavHeader } from './wav-header.js'

const PREFIX = 'llmlb-audio-'
const SAMPLE_RATE = 16_000
/** Clips up to this many bytes (~2 min) may be written without leaving the event loop (see above). */
export const SYNC_WRITE_BYTES = 4 << 20

interface HandoffFile {
  path: string
  fd: number
  /** The file's size: its pages are allocated (a truncation gives back those past it). */
  size: number
}

export class PcmHandoff {
  private dir: Promise<string> | undefined
  private created = 0
  /** Files no job uses now, open, ready to be overwritten. */
  private readonly idle: HandoffFile[] = []
  /** Files a job holds, by path. */
  private readonly busy = new Map<string, HandoffFile>()

  /** Writes 16 kHz mono 16-bit PCM (samples or their little-endian bytes) as a WAV file; hand it back with `release`. */
  async write(pcm: Int16Array | Uint8Array): Promise<string> {
    this.dir ??= makeScratchDir(PREFIX)
    const dir = await this.dir
    let file = this.idle.pop()
    if (!file) {
      const path = join(dir, `${++this.created}.wav`)
      file = { path, fd: openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o600), size: 0 }
    }
    try {
      // no O_TRUNC: the pages of the last clip are overwritten, then the file is cut to this clip's size
      const parts = [wavHeader(SAMPLE_RATE, pcm.byteLength), Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)]
      const bytes = 44 + pcm.byteLength
      await writeAll(file.fd, parts, bytes <= SYNC_WRITE_BYTES && bytes <= file.size)
      ftruncateSync(file.fd, bytes)
      file.size = bytes
    } catch (err) {
      closeSync(file.fd)
      await rm(file.path, { force: true })
      throw err
    }
    this.busy.set(file.path, file)
    return file.path
  }

  /** The child is done with `path`: the next job overwrites it. */
  release(path: string): void {
    const file = this.busy.get(path)
    if (!file) return
    this.busy.delete(path)
    if (this.dir !== undefined) this.idle.push(file)
    else closeSync(file.fd)
  }

  /** Closes the idle files and removes the directory (runtime stop); a file still held is closed on release. */
  async close(): Promise<void> {
    const dir = this.dir
    this.dir = undefined
    for (const f of this.idle.splice(0)) closeSync(f.fd)
    if (dir) await rm(await dir.catch(() => ''), { recursive: true, force: true })
  }
}

const writevAsync = promisify(writev)

/** Writes `parts` at offset 0 of `fd`, short writes continued; `sync` without leaving the event loop. */
async function writeAll(fd: number, parts: Buffer[], sync: boolean): Promise<void> {
  for (let at = 0, rest = parts; rest.length > 0; ) {
    const n = sync ? writevSync(fd, rest, at) : (await writevAsync(fd, rest, at)).bytesWritten
    at += n
    rest = advance(rest, n)
  }
}

/** `parts` without their first `n` bytes. */
function advance(parts: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = []
  for (const p of parts) {
    if (n >= p.byteLength) n -= p.byteLength
    else {
      out.push(n > 0 ? p.subarray(n) : p)
      n = 0
    }
  }
  return out
}
