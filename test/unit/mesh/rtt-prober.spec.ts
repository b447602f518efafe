import { describe, expect, it } from 'vitest'
import { RTT_WINDOW, RttProber, RttTable } from '../../../mesh/src/peers/rtt-prober.js'

describe('RttTable', () => {
  it('is the least of the last RTT_WINDOW samples', () => {
    const t = new RttTable()
    expect(t.get('a')).toBeUndefined()
    t.record('a', 10)
    expect(t.get('a')).toBe(10)
    t.record('a', 30)
    expect(t.get('a')).toBe(10)
    for (const ms of [7, 8, 9, 6, 5]) t.record('a', ms)
    // the window keeps the last RTT_WINDOW: 10 and 30 are gone
    expect(RTT_WINDOW).toBe(5)
    expect(t.get('a')).toBe(5)
  })

  it('pings delayed or lost by a busy box price nothing while one got through; a slow link reads slow; a dead one the timeout', () => {
    const t = new RttTable()
    // a burst on a loaded box: four of five pings waited behind it or timed out
    for (const ms of [24, 3000, 3000, 68, 0.6]) t.record('a', ms)
    expect(t.get('a')).toBe(0.6)
    // a link slow in every sample (100 ± 50 ms a frame): slow once the fast sample has left the window
    for (let i = 0; i < RTT_WINDOW - 1; i++) t.record('a', 150 + i * 20)
    expect(t.get('a')).toBe(0.6)
    t.record('a', 230)
    expect(t.get('a')).toBe(150)
    // no ping answered: the timeout
    for (let i = 0; i < RTT_WINDOW; i++) t.record('a', 3000)
    expect(t.get('a')).toBe(3000)
    // heals at the first fast answer
    t.record('a', 0.5)
    expect(t.get('a')).toBe(0.5)
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
  it('records each answer, counts a failed or timed-out ping as the timeout, and drops peers that left', async () => {
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
})
