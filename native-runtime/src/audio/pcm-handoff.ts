/**
 * Hands a request's PCM to the audio child as a WAV file on tmpfs (`/dev/shm` where it is writable)
 * instead of inside the IPC message: Node's IPC serialised a 30 s clip (960 KB) in ~13 ms on the
 * development box; a write to tmpfs and whisper.cpp's own file reader take a few. The files are
 * reused (overwritten in place, one per concurrent job): a fresh megabyte of tmpfs cost 2–10 ms of
 * page allocation here, an overwrite is a copy. One directory per runtime, named after this process;
 * one left by a process that died is removed at the next start.
 */
import { constants } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { makeScratchDir } from '../scratch-dir.js'
import { wavHeader } from './wav-header.js'

const PREFIX = 'llmlb-audio-'
const SAMPLE_RATE = 16_000

export class PcmHandoff {
  private dir: Promise<string> | undefined
  private created = 0
  /** Files no job uses now, ready to be overwritten. */
  private readonly idle: string[] = []

  /** Writes 16 kHz mono 16-bit PCM (samples or their little-endian bytes) as a WAV file; hand it back with `release`. */
  async write(pcm: Int16Array | Uint8Array): Promise<string> {
    this.dir ??= makeScratchDir(PREFIX)
    const dir = await this.dir
    const path = this.idle.pop() ?? join(dir, `${++this.created}.wav`)
    // no O_TRUNC: the pages of the last clip are overwritten, then the file is cut to this clip's size
    const file = await open(path, constants.O_WRONLY | constants.O_CREAT, 0o600)
    try {
      await file.writev([wavHeader(SAMPLE_RATE, pcm.byteLength), Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)], 0)
      await file.truncate(44 + pcm.byteLength)
    } catch (err) {
      await rm(path, { force: true })
      throw err
    } finally {
      await file.close()
    }
    return path
  }

  /** The child is done with `path`: the next job overwrites it. */
  release(path: string): void {
    if (this.dir !== undefined) this.idle.push(path)
  }

  /** Removes the directory (runtime stop). */
  async close(): Promise<void> {
    const dir = this.dir
    this.dir = undefined
    this.idle.length = 0
    if (dir) await rm(await dir.catch(() => ''), { recursive: true, force: true })
  }
}
