/**
 * One scratch folder per test or bench run: every temporary file of the run (data dirs, generated
 * models, LMDB environments, browser profiles — of this process and of every agent it starts) goes
 * under it, and it is removed at the end, so a run leaves nothing in the system's temp folder.
 * Works by pointing TMPDIR (read by `os.tmpdir()` at each call, inherited by child processes) at it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Creates the run's scratch folder, points TMPDIR at it, and returns the function that removes it. */
export function useScratchTmp(prefix: string): () => void {
  const previous = process.env.TMPDIR
  const dir = mkdtempSync(join(tmpdir(), prefix))
  process.env.TMPDIR = dir
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  }
}
