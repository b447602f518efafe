/**
 * One `serve` per data dir. The lock file holds the owner's pid and addresses, so a second `serve`
 * can say who holds it and `llmlb status|stop` can find the running node. A lock left by a process
 * that no longer exists (kill -9, power loss) is reclaimed.
 */
import { open, readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Lock file name inside the data dir. */
export const LOCK_FILE_NAME = 'llmlb.lock'

/** What the lock file records about the running node. */
export interface LockInfo {
  pid: number
  /** HTTP port actually bound (0 until listening). */
  port: number
  host: string
  /** Base URL clients on this box can use. */
  url: string
  startedAt: number
}

/** Another live process holds the data dir. */
export class DataDirLockedError extends Error {
  readonly code = 'data_dir_locked'
  constructor(readonly dataDir: string, readonly holder: LockInfo) {
    super(`another llmlb serve (pid ${holder.pid}, port ${holder.port}) is already using ${dataDir}; stop it with \`llmlb stop --data-dir ${dataDir}\` or pick another --data-dir`)
    this.name = 'DataDirLockedError'
  }
}

/** True when a process with this pid exists (EPERM means it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Reads the lock of a data dir, or undefined when there is none or it is unreadable. */
export async function readLock(dataDir: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, LOCK_FILE_NAME), 'utf8')) as LockInfo
  } catch {
    return undefined
  }
}

/** Holds the data-dir lock from `acquire()` to `release()`. */
export class DataDirLock {
  private readonly path: string
  private held = false
  private info: LockInfo

  constructor(private readonly dataDir: string) {
    this.path = join(dataDir, LOCK_FILE_NAME)
    this.info = { pid: process.pid, port: 0, host: '', url: '', startedAt: Date.now() }
  }

  /** Takes the lock or throws DataDirLockedError naming the live holder. */
  async acquire(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(this.path, 'wx', 0o600)
        await fh.writeFile(JSON.stringify(this.info))
        await fh.close()
        this.held = true
        return
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const holder = await readLock(this.dataDir)
      if (holder && holder.pid !== process.pid && isProcessAlive(holder.pid)) throw new DataDirLockedError(this.dataDir, holder)
      // stale (holder gone, or an unreadable half-written file): reclaim it
      await unlink(this.path).catch(() => undefined)
    }
    throw new Error(`could not take the lock ${this.path}`)
  }

  /** Records the bound address so other commands can reach this node. */
  async update(patch: Partial<LockInfo>): Promise<void> {
    this.info = { ...this.info, ...patch }
    if (this.held) await writeFile(this.path, JSON.stringify(this.info), { mode: 0o600 })
  }

  async release(): Promise<void> {
    if (!this.held) return
    this.held = false
    const holder = await readLock(this.dataDir)
    if (holder?.pid === process.pid) await unlink(this.path).catch(() => undefined)
  }
}
