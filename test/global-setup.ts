/**
 * Runs once around the whole test run: every test's temporary files go in one folder, removed afterwards.
 * Vitest runs a global setup once per project (unit, integration) besides the root's: only the first
 * makes the folder — nested ones made the browser's socket path too long — and removes it at the end.
 */
import { useScratchTmp } from '../scripts/scratch-tmp.js'

const OWNER = 'LLMLB_TEST_SCRATCH'

export default function setup(): () => void {
  if (process.env[OWNER] !== undefined) return () => {}
  process.env[OWNER] = '1'
  const remove = useScratchTmp('llmlb-test-run-')
  return () => {
    delete process.env[OWNER]
    remove()
  }
}
