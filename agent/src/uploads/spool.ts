/**
 * Where uploads are written as they arrive: one directory per node process, on tmpfs where the box has
 * one (the same choice as the audio child's PCM handoff: `makeScratchDir`), swept at the next start if
 * a kill -9 left it. A file lives for one request; its owner removes it (`removeFiles`).
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { makeScratchDir } from '../../../native-runtime/src/index.js'

const PREFIX = 'llmlb-upload-'

export class UploadSpool {
  private dir: Promise<string> | undefined
  private created = 0

  /** A fresh path in the spool directory (created on first use). */
  async nextPath(): Promise<string> {
    this.dir ??= makeScratchDir(PREFIX)
    return join(await this.dir, `${++this.created}.part`)
  }

  /** The directory, once created (tests look into it). */
  async directory(): Promise<string | undefined> {
    return this.dir?.catch(() => undefined)
  }

  /** Removes the directory and whatever is left in it (node stop). */
  async close(): Promise<void> {
    const dir = this.dir
    this.dir = undefined
    if (dir) await rm(await dir.catch(() => ''), { recursive: true, force: true })
  }
}

/** Removes spooled files; a file already gone is fine. */
export async function removeFiles(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true })))
}
