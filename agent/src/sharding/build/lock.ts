/**
 * One build at a time per cache root: a lock file holding the builder's pid, created exclusively. A
 * second builder waits until it is gone (then usually finds the entry built). A lock whose process died
 * (a crashed or killed build) is taken over, so nothing needs cleaning by hand.
 */
import { open, readFile, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { processExists } from '../../../../native-runtime/src/index.js'

export const LOCK_FILE = '.build.lock'
/** A lock file still empty after this long belongs to a builder that died between create and write. */
const EMPTY_LOCK_STALE_MS = 10_000
const POLL_MS = 500

export interface LockOptions {
  signal?: AbortSignal
  /** Called once when another live builder holds the lock, with its pid. */
  onWait?: (holderPid: number | undefined) => void
}

export type ReleaseLock = () => Promise<void>

export async function acquireBuildLock(cacheRoot: string, opts: LockOptions = {}): Promise<ReleaseLock> {
  const path = join(cacheRoot, LOCK_FILE)
  let told = false
  for (;;) {
    opts.signal?.throwIfAborted()
    try {
      const fh = await open(path, 'wx')
      await fh.writeFile(String(process.pid))
      await fh.close()
      return async () => {
        // only our own lock: a takeover after we were presumed dead must not be undone
        if ((await readFile(path, 'utf8').catch(() => '')) === String(process.pid)) await unlink(path).catch(() => undefined)
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const holder = await lockHolder(path)
    if (holder === 'gone') continue
    if (holder === 'stale') {
      await unlink(path).catch(() => undefined)
      continue
    }
    if (!told) {
      told = true
      opts.onWait?.(holder)
    }
    await delay(POLL_MS, undefined, { signal: opts.signal })
  }
}

/**
 * The live holder's pid, undefined while it is being written, 'stale' when its process is gone, 'gone'
 * when the lock was released in between (try again at once).
 */
async function lockHolder(path: string): Promise<number | undefined | 'stale' | 'gone'> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : undefined
  }
  const pid = Number.parseInt(text, 10)
  if (!Number.isInteger(pid) || pid <= 0) {
    const age = Date.now() - (await stat(path).then((s) => s.mtimeMs, () => Date.now()))
    return age > EMPTY_LOCK_STALE_MS ? 'stale' : undefined
  }
  return processExists(pid) ? pid : 'stale'
}
