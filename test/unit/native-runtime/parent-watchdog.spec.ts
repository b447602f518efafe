import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { watchParent } from '../../../native-runtime/src/child/parent-watchdog.js'

function exitSpy(): { exited: Promise<number>; exit: (code: number) => void; calls: number[] } {
  const calls: number[] = []
  let resolve!: (code: number) => void
  const exited = new Promise<number>((r) => (resolve = r))
  return { exited, calls, exit: (code) => (calls.push(code), resolve(code)) }
}

describe('watchParent', () => {
  it('exits once when the IPC channel disconnects', async () => {
    const channel = new EventEmitter()
    const spy = exitSpy()
    watchParent(process.pid, { channel, exit: spy.exit, ppid: () => process.pid, pollMs: 60_000 })
    channel.emit('disconnect')
    channel.emit('disconnect')
    expect(await spy.exited).toBe(0)
    expect(spy.calls).toEqual([0])
    expect(channel.listenerCount('disconnect')).toBe(0)
  })

  it('exits when polling finds the child reparented, even without a disconnect', async () => {
    const spy = exitSpy()
    let ppid = process.pid
    watchParent(process.pid, { channel: new EventEmitter(), exit: spy.exit, ppid: () => ppid, pollMs: 10 })
    ppid = 1
    expect(await spy.exited).toBe(0)
  })

  it('keeps running while the parent is alive and unchanged', async () => {
    const spy = exitSpy()
    let polls = 0
    let fivePolls!: () => void
    const polled = new Promise<void>((r) => (fivePolls = r))
    const ppid = (): number => {
      if (++polls === 5) fivePolls()
      return process.pid
    }
    const stop = watchParent(process.pid, { channel: new EventEmitter(), exit: spy.exit, ppid, pollMs: 5 })
    await polled
    stop()
    expect(spy.calls).toEqual([])
  })
})
