import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { acquireBuildLock } from '../../../../agent/src/sharding/build/lock.js'
import { tempDir } from '../../../helpers/agent-process.js'
import { within } from '../../../helpers/within.js'

describe('the build lock of a cache root', () => {
  it('a second holder waits (told once) until the first releases', async () => {
    const root = await tempDir('llmlb-rpc-lock-')
    const release = await acquireBuildLock(root)
    let waited = 0
    let second = false
    let told!: () => void
    const waiting = new Promise<void>((resolve) => (told = resolve))
    const secondLock = acquireBuildLock(root, { onWait: () => (waited++, told()) }).then((r) => ((second = true), r))
    await within(waiting, 'the second lock to report waiting')
    expect(second).toBe(false)
    expect(await readFile(join(root, '.build.lock'), 'utf8')).toBe(String(process.pid))
    await release()
    const releaseSecond = await within(secondLock, 'the second lock once the first is released')
    expect(waited).toBe(1)
    await releaseSecond()
    await (await within(acquireBuildLock(root), 'the lock after both released'))()
  })

  it('takes over the lock of a process that is gone; a wait can be aborted', async () => {
    const root = await tempDir('llmlb-rpc-lock-')
    // pid far above Linux's pid_max (4194304): no such process
    await writeFile(join(root, '.build.lock'), '99999999')
    const release = await within(acquireBuildLock(root), 'taking over a dead holder\'s lock')
    expect(await readFile(join(root, '.build.lock'), 'utf8')).toBe(String(process.pid))
    const stop = new AbortController()
    const waiting = acquireBuildLock(root, { signal: stop.signal, onWait: () => stop.abort() })
    await expect(waiting).rejects.toThrow(/abort/i)
    await release()
  })
})
