/**
 * Per-process scratch directories for request files (the audio child's PCM handoff, the agent's
 * spooled uploads): on tmpfs (`/dev/shm`) where it is writable — the files live for one request and
 * never need to reach a disk — else the OS temp dir. Each directory is named `<prefix><pid>-…`, so one
 * left behind by a process that was killed (-9) is found and removed at the next start.
 */
import { constants } from 'node:fs'
import { access, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { processExists } from './process-exists.js'

/** tmpfs when this box has a writable one, else the OS temp dir. */
export async function scratchBase(): Promise<string> {
  try {
    await access('/dev/shm', constants.W_OK)
    return '/dev/shm'
  } catch {
    return tmpdir()
  }
}

/** Removes the directories of `prefix` whose process is gone. */
async function sweep(base: string, prefix: string): Promise<void> {
  for (const name of await readdir(base).catch(() => [] as string[])) {
    const pid = Number(name.slice(prefix.length).split('-')[0])
    if (name.startsWith(prefix) && Number.isInteger(pid) && pid > 0 && !processExists(pid)) await rm(join(base, name), { recursive: true, force: true })
  }
}

/** Creates this process's scratch directory for `prefix` (after sweeping dead processes' ones). */
export async function makeScratchDir(prefix: string): Promise<string> {
  const base = await scratchBase()
  await sweep(base, prefix)
  return mkdtemp(join(base, `${prefix}${process.pid}-`))
}
