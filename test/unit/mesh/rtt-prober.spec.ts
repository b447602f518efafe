import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { RTT_WINDOW, RttProber, RttTable } from '../../../mesh/src/peers/rtt-prober.js'

describe('RttTable', () => {
  it('is the median of the answered pings among the last RTT_WINDOW', () => {
    const t = new RttTable(3000)
    expect(t.get('a')).toBeUndefined()
    t.record('a', 10)
    expect(t.get('a')).toBe(10)
    t.record('a', 30)
    expect(t.get('a')).toBe(20)
    for (const ms of [1, 2, 3, 4, 5]) t.record('a', ms)
    // the window keeps the last RTT_WINDOW: 10 and 30 are gone
    expect(RTT_WINDOW).toBe(5)
    expect(t.get('a')).toBe(3)
  })

  it('a slow answer moves nothing; unanswered pings are no samples; a slow link reads slow, a silent one the timeout', () => {
    const t = new RttTable(3000)
    for (let i = 0; i < 5; i++) t.record('a', 0.5)
    t.record('a', 400)
    expect(t.get('a')).toBe(0.5)
    // a burst on a loaded box: pings lag behind it or go unanswered; the answered ones decide
    for (const ms of [24, undefined, undefined, 68, 31]) t.record('a', ms)
    expect(t.get('a')).toBe(31)
    // a link slow in every answer (100 ± 50 ms a frame) reads slow within three probes
    for (let i = 0; i < 3; i++) t.record('a', 200 + i)
    expect(t.get('a')).toBeGreaterThanOrEqual(200)
    // nothing answered in the whole window: the timeout
    for (let i = 0; i < RTT_WINDOW; i++) t.record('a', undefined)
    expect(t.get('a')).toBe(3000)
    // heals at the first answer
    t.record('a', 0.5)
    expect(t.get('a')).toBe(0.5)
  })

  it('a peer that has not answered yet reads unknown until its window is full, then the timeout', () => {
    const t = new RttTable(3000)
    // a node joining a loaded cluster: its first pings fall in its own start-up
    for (let i = 1; i < RTT_WINDOW; i++) {
      t.record('late', undefined)
      expect(t.get('late')).toBeUndefined()
    }
    t.record('late', 6)
    expect(t.get('late')).toBe(6)
    // a link that never answers reads the timeout once its window is full
    for (let i = 1; i < RTT_WINDOW; i++) t.record('dead', undefined)
    expect(t.get('dead')).toBeUndefined()
    t.record('dead', undefined)
    expect(t.get('dead')).toBe(3000)
  })

  it('forgets peers no longer probed', () => {
    const t = new RttTable()
    t.record('a', 1)
    t.record('b', 2)
    t.retain(['b'])
    expect(t.get('a')).toBeUndefined()
    expect(t.get('b')).toBe(2)
  })
})

describe('RttProber.round', () => {
  it('records each answer, a failed or timed-out ping as unanswered (a peer with no answer in a full window reads the timeout), and drops peers that left', async () => {
    let peers = ['ok', 'broken', 'silent']
    const asked: string[] = []
    const prober = new RttProber({
      peers: () => peers,
      ping: async (id, signal) => {
        asked.push(id)
        if (id === 'broken') throw new Error('stream reset')
        if (id === 'silent') {
          // answers only when its timeout aborts it: the prober must bound every ping
          await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))
        }
        return 4
      }
    }, { intervalMs: 1000, timeoutMs: 50 })
    await prober.round(new AbortController().signal)
    expect(asked).toEqual(['ok', 'broken', 'silent'])
    expect(prober.table.get('ok')).toBe(4)
    expect(prober.table.get('broken')).toBeUndefined()
    for (let i = 1; i < RTT_WINDOW; i++) await prober.round(new AbortController().signal)
    expect(asked.length).toBe(3 * RTT_WINDOW)
    expect(prober.table.get('ok')).toBe(4)
    expect(prober.table.get('broken')).toBe(50)
    expect(prober.table.get('silent')).toBe(50)
    peers = ['ok']
    await prober.round(new AbortController().signal)
    expect(prober.table.get('silent')).toBeUndefined()
  })

  it('a stopped prober records nothing for the ping it was waiting on', async () => {
    const stop = new AbortController()
    const prober = new RttProber({
      peers: () => ['a'],
      ping: async (_id, signal) => {
        stop.abort()
        throw signal.reason ?? new Error('aborted')
      }
    }, { intervalMs: 1000, timeoutMs: 5000 })
    await prober.round(stop.signal)
    expect(prober.table.get('a')).toBeUndefined()
  })

  it('keeps no listener per interval on its lifetime signal (it runs for the node\'s life)', async () => {
    let rounds = 0
    let reached: () => void = () => {}
    const thirty = new Promise<void>((r) => (reached = r))
    const prober = new RttProber({ peers: () => (++rounds === 30 && reached(), []), ping: async () => 1 }, { intervalMs: 1, timeoutMs: 50 })
    prober.start()
    await thirty
    const lifetime = (prober as unknown as { stopped: AbortController }).stopped.signal
    expect(getEventListeners(lifetime, 'abort').length).toBeLessThanOrEqual(1)
    prober.stop()
  })
})
