import { describe, expect, it } from 'vitest'
import { expectedFinishMs, pricedSpeed, rankCandidates, STALE_AFTER_MS } from '../../../agent/src/scheduler/select.js'
import type { Candidate } from '../../../agent/src/scheduler/candidates.js'
import { cand, seeded, task } from './candidate-fixture.js'


describe('rankCandidates', () => {
  it('serves locally when this node has a free slot and is as good', () => {
    const r = rankCandidates([cand('p1', 0), cand('self', 3)], task)
    expect(r.candidates[0]?.target).toBe('self')
    expect(r.reason).toBe('local-free-slot')
  })

  it('prefers a peer with a free slot over queueing here', () => {
    const r = rankCandidates([cand('self', 6), cand('p1', 1)], task)
    expect(r.candidates[0]?.target).toBe('p1')
    expect(r.reason).toBe('least-loaded')
  })

  it('a peer behind a slow link is priced by its round trip: the others get the work until they queue', () => {
    // task: 100 tokens at 100 tokens/s = 1 s of decode; a 1.2 s round trip outweighs it
    const rand = seeded(11)
    const far = cand('far', 0, { rttMs: 1200 })
    let farWins = 0
    for (let i = 0; i < 100; i++) if (rankCandidates([cand('near1', 1, { rttMs: 0.3 }), cand('near2', 2, { rttMs: 0.4 }), far], task, rand).candidates[0]?.target === 'far') farWins++
    expect(farWins).toBe(0)
    expect(expectedFinishMs(far, task, 100) - expectedFinishMs(cand('far', 0), task, 100)).toBeCloseTo(1200)
    // the near ones queueing long enough makes the far one worth it
    expect(rankCandidates([cand('near1', 12, { rttMs: 0.3 }), cand('near2', 12, { rttMs: 0.4 }), far], task, rand).candidates[0]?.target).toBe('far')
  })

  it('round trips a LAN cannot tell apart do not decide between equal holders: each gets its share', () => {
    const rand = seeded(5)
    const wins = new Map<string, number>()
    for (let i = 0; i < 3000; i++) {
      const t = rankCandidates([cand('a', 1, { rttMs: 5 }), cand('b', 1, { rttMs: 8 }), cand('c', 1, { rttMs: 6 })], task, rand).candidates[0]?.target as string
      wins.set(t, (wins.get(t) ?? 0) + 1)
    }
    // an even spread is 1 000 each; the strict comparison gave the 8 ms holder ~1 in 9
    for (const t of ['a', 'b', 'c']) expect(wins.get(t) ?? 0).toBeGreaterThan(800)
    // within the noise, the less loaded of the two drawn wins: the idle one unless drawn neither time (3 in 4)
    const pair = [cand('busy', 3, { rttMs: 4 }), cand('idle', 0, { rttMs: 9 })]
    let idle = 0
    for (let i = 0; i < 400; i++) if (rankCandidates(pair, task, rand).candidates[0]?.target === 'idle') idle++
    expect(idle).toBeGreaterThan(260)
    expect(idle).toBeLessThan(340)
  })

  it('a round trip never prices this node (no hop)', () => {
    expect(expectedFinishMs(cand('self', 0, { rttMs: 500 }), task, 100)).toBe(expectedFinishMs(cand('self', 0), task, 100))
  })

  it('only-holder when a single node has the model', () => {
    expect(rankCandidates([cand('p1', 9)], task).reason).toBe('only-holder')
  })

  it('faster hardware gets more work, but not all of it (expected finish time, not TPS argmax)', () => {
    const fast = cand('fast', 0, { tokensPerSecond: 400 })
    const slow = cand('slow', 0, { tokensPerSecond: 100 })
    expect(rankCandidates([slow, fast], task).candidates[0]?.target).toBe('fast')
    // once the fast node queues, the idle slow one finishes first
    const busyFast = { ...fast, load: 40 }
    expect(rankCandidates([slow, busyFast], task).candidates[0]?.target).toBe('slow')
  })

  it('a new node (never measured) is not starved: it is priced at the best measured speed', () => {
    const rand = seeded(7)
    let newWins = 0
    for (let i = 0; i < 200; i++) {
      const r = rankCandidates([cand('a', 1, { tokensPerSecond: 80 }), cand('b', 1), cand('new', 1, { tokensPerSecond: 0 })], task, rand)
      if (r.candidates[0]?.target === 'new') {
        newWins++
        expect(r.reason).toBe('exploration')
      }
    }
    expect(newWins).toBeGreaterThan(30)
    expect(newWins).toBeLessThan(120)
  })

  it('a speed read on few requests is not trusted for good: a node timed during a stall still gets its share of a burst', () => {
    // s's one request ran during a stall and read 16 tokens/s where a and b, on many requests, read 100
    const burst = (sServed: number): number => {
      const rand = seeded(3)
      const loads = new Map([['a', 0], ['b', 0], ['s', 0]])
      for (let i = 0; i < 24; i++) {
        const all = [cand('a', loads.get('a') as number, { slotsTotal: 3, served: 40 }), cand('b', loads.get('b') as number, { slotsTotal: 3, served: 40 }), cand('s', loads.get('s') as number, { slotsTotal: 3, tokensPerSecond: 16, served: sServed })]
        const t = rankCandidates(all, task, rand).candidates[0]?.target as string
        loads.set(t, (loads.get(t) as number) + 1)
      }
      return loads.get('s') as number
    }
    expect(burst(1)).toBeGreaterThan(0)
    // the same reading on a thousand requests is what the node does: it is priced by it
    expect(burst(1000)).toBe(0)
    // the optimism fades as requests are served, and never makes a node look faster than the best
    const s = (served: number) => pricedSpeed(cand('s', 0, { tokensPerSecond: 16, served }), 100)
    expect(s(1)).toBeCloseTo(58)
    expect(s(9)).toBeCloseTo(24.4)
    expect(s(1)).toBeGreaterThan(s(2))
    expect(pricedSpeed(cand('x', 0, { tokensPerSecond: 16 }), 100)).toBe(16)
    expect(pricedSpeed(cand('x', 0, { tokensPerSecond: 140, served: 0 }), 100)).toBe(140)
  })

  it('ignores stale peers while fresh ones can serve, but falls back to them', () => {
    const stale = cand('stale', 0, { stateAgeMs: STALE_AFTER_MS + 1, tokensPerSecond: 1000 })
    const fresh = cand('fresh', 3)
    expect(rankCandidates([stale, fresh], task).candidates.map((c) => c.target)).toEqual(['fresh', 'stale'])
    expect(rankCandidates([stale], task).candidates[0]?.target).toBe('stale')
  })

  it('spreads ties between equal peers at random', () => {
    const rand = seeded(3)
    const firsts = new Map<string, number>()
    for (let i = 0; i < 300; i++) {
      const t = rankCandidates([cand('p1', 1), cand('p2', 1), cand('p3', 1)], task, rand).candidates[0]?.target as string
      firsts.set(t, (firsts.get(t) ?? 0) + 1)
    }
    expect(firsts.size).toBe(3)
    for (const n of firsts.values()) expect(n).toBeGreaterThan(60)
  })

  it('prefix affinity wins among equals and yields to load', () => {
    const affine = cand('affine', 1, { prefixMatch: 0.75 })
    const other = cand('other', 1)
    const longPrompt = { expectedTokens: 50, promptTokens: 1000 }
    const r = rankCandidates([other, affine], longPrompt)
    expect(r.candidates[0]?.target).toBe('affine')
    expect(r.reason).toBe('prefix-affinity')
    const busy = { ...affine, load: 20 }
    expect(rankCandidates([other, busy], longPrompt).candidates[0]?.target).toBe('other')
  })

  it('a cold node (model not loaded) ranks behind warm ones', () => {
    expect(rankCandidates([cand('cold', 0, { loaded: false }), cand('warm', 3)], task).candidates[0]?.target).toBe('warm')
  })

  it('a cold node costs its own load estimate; it wins with reason cold-load when warm nodes are far busier', () => {
    const quick = cand('cold', 0, { loaded: false, coldLoadMs: 500 })
    expect(expectedFinishMs(quick, task, 100) - expectedFinishMs(cand('cold', 0), task, 100)).toBe(500)
    // a warm node 40 requests deep (10 waves of 1 s) loses to a half-second load
    const r = rankCandidates([quick, cand('warm', 40)], task)
    expect(r.candidates[0]?.target).toBe('cold')
    expect(r.reason).toBe('cold-load')
    // a slow load (disk) loses to the same queue
    expect(rankCandidates([cand('cold', 0, { loaded: false, coldLoadMs: 60_000 }), cand('warm', 40)], task).candidates[0]?.target).toBe('warm')
  })

  it('a burst on nodes of equal speed spreads by slots: the 1-slot node gets fewer, not zero', () => {
    // 24 requests arrive at once on `self`; each placement raises the chosen node's load, as the
    // in-flight tracker does, before the next one is ranked
    const rand = seeded(11)
    const nodes = [cand('self', 0, { slotsTotal: 3, avgServiceMs: 500 }), cand('p2', 0, { slotsTotal: 3, avgServiceMs: 500 }), cand('p3', 0, { slotsTotal: 1, avgServiceMs: 500 })]
    const served = new Map<string, number>()
    for (let i = 0; i < 24; i++) {
      const chosen = rankCandidates(nodes, { expectedTokens: 48, promptTokens: 10 }, rand).candidates[0] as Candidate
      chosen.load++
      served.set(chosen.target, (served.get(chosen.target) ?? 0) + 1)
    }
    const [n1, n2, n3] = ['self', 'p2', 'p3'].map((t) => served.get(t) ?? 0) as [number, number, number]
    expect(n3).toBeGreaterThan(0)
    // round-robin would give it 8, as many as each 3-slot node
    expect(n3).toBeLessThan(Math.min(n1, n2) / 2)
  })

  it('queue wait grows with load beyond the slots', () => {
    const base = expectedFinishMs(cand('p', 3), task, 100)
    expect(expectedFinishMs(cand('p', 4), task, 100)).toBeGreaterThan(base)
    expect(expectedFinishMs(cand('p', 8), task, 100)).toBeGreaterThan(expectedFinishMs(cand('p', 4), task, 100))
  })
})
