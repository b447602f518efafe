import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { within } from '../../helpers/within.js'

/** True while `pid` is a live process (a zombie waiting to be reaped counts as gone). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z'
  } catch {
    return false
  }
}

describe('the runtime child', () => {
  it('exits by itself when its parent is killed with SIGKILL', async () => {
    const parent = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'runtime-parent.mjs')], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    const line = await within(
      new Promise<string>((resolve, reject) => {
        createInterface({ input: parent.stdout }).once('line', resolve)
        parent.once('exit', (code) => reject(new Error(`parent exited early (${code})`)))
      }),
      'the fixture parent to print its child pid'
    )
    const { childPid } = JSON.parse(line) as { childPid: number }
    expect(running(childPid)).toBe(true)
    const parentGone = within(new Promise((resolve) => parent.once('exit', resolve)), 'the killed parent to exit')
    parent.kill('SIGKILL')
    await parentGone
    // the child is not ours, so no exit event can be awaited: poll its pid against a deadline
    const deadline = Date.now() + 5_000
    while (running(childPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    const stillRunning = running(childPid)
    if (stillRunning) process.kill(childPid, 'SIGKILL')
    expect(stillRunning).toBe(false)
  })
})
