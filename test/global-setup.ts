/** Runs once around the whole test run: every test's temporary files go in one folder, removed afterwards. */
import { useScratchTmp } from '../scripts/scratch-tmp.js'

export default function setup(): () => void {
  return useScratchTmp('llmlb-test-run-')
}
