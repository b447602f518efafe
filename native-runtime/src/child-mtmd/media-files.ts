/**
 * Images of a request as files: libmtmd reads media from paths, so the child writes each image to a
 * private temporary folder for the life of the request and removes it afterwards. (The binding's data-URL
 * path is undocumented, and a file keeps large images out of its string arguments.)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChatImage } from '../protocol.js'

/** The child's folder for request images, created at start and removed at exit. */
export class MediaFolder {
  readonly dir = mkdtempSync(join(tmpdir(), 'llmlb-mtmd-'))
  private next = 0

  constructor() {
    process.once('exit', () => rmSync(this.dir, { recursive: true, force: true }))
  }

  /** Writes `images` and returns their paths (in order) and a function that deletes them. */
  async write(images: readonly ChatImage[]): Promise<{ paths: string[]; remove: () => Promise<void> }> {
    const paths = images.map(() => join(this.dir, `img-${this.next++}`))
    const remove = async (): Promise<void> => void (await Promise.all(paths.map((p) => rm(p, { force: true }))))
    try {
      await Promise.all(images.map((img, i) => writeFile(paths[i] as string, Buffer.from(img.data, 'base64'))))
    } catch (err) {
      await remove()
      throw err
    }
    return { paths, remove }
  }
}
