import { describe, expect, it } from 'vitest'
import { createRanker, leastInFlightRank, randomRank, roundRobinRank, tpsArgmaxRank } from '../../../agent/src/scheduler/baseline-policies.js'
import type { Candidate } from '../../../agent/src/scheduler/candidates.js'
import { cand, seeded, task } from './candidate-fixture.js'
import { loadConfig } from '../../../agent/src/config/index.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const targets = (r: { candidates: Candidate[] }): string[] => r.candidates.map((c) => c.target)

describe('round-robin', () => {
  it('cycles through every node in a stable order, whatever order the candidates come in', () => {
    const a = [cand('self', 0), cand('p1', 9), cand('p2', 0)]
    const b = [cand('p2', 0), cand('self', 0), cand('p1', 9)]
    const firsts = [0, 1, 2, 3, 4, 5].map((t) => roundRobinRank(t % 2 ? a : b, t).candidates[0]?.target)
    expect(firsts).toEqual(['p1', 'p2', 'self', 'p1', 'p2', 'self'])
  })

  it('ranks every candidate once (the rest is the failover order) and names itself', () => {
    const r = roundRobinRank([cand('self', 0), cand('p1', 0), cand('p2', 0)], 1)
    expect(targets(r)).toEqual(['p2', 'self', 'p1'])
    expect(r.reason).toBe('round-robin')
    expect(r.scored.map((s) => s.costMs)).toEqual([0, 1, 2])
    expect(roundRobinRank([], 3).candidates).toEqual([])
  })

  it('the ranker keeps one counter per ingress', () => {
    const cs = [cand('self', 0), cand('p1', 0), cand('p2', 0)]
    const one = createRanker('round-robin')
    const two = createRanker('round-robin')
    expect([one(cs, task), one(cs, task), one(cs, task), one(cs, task)].map((r) => r.candidates[0]?.target)).toEqual(['p1', 'p2', 'self', 'p1'])
    expect(two(cs, task).candidates[0]?.target).toBe('p1')
  })
})

describe('random', () => {
  it('is a permutation and spreads roughly evenly', () => {
    const rand = seeded(3)
    const counts = new Map<string, number>()
    const cs = [cand('self', 0), cand('p1', 50), cand('p2', 0, { tokensPerSecond: 0 })]
    for (let i = 0; i < 3000; i++) {
      const r = randomRank(cs, rand)
      expect([...targets(r)].sort()).toEqual(['p1', 'p2', 'self'])
      expect(r.reason).toBe('random')
      const t = r.candidates[0]?.target as string
      counts.set(t, (counts.get(t) ?? 0) + 1)
    }
    for (const n of counts.values()) expect(n).toBeGreaterThan(850)
  })
})

describe('tps-argmax (the original llmlb)', () => {
  it('the fastest measured node takes everything, however loaded', () => {
    const r = tpsArgmaxRank([cand('self', 0, { tokensPerSecond: 80 }), cand('p1', 40, { tokensPerSecond: 120 }), cand('p2', 0, { tokensPerSecond: 100 })])
    expect(targets(r)).toEqual(['p1', 'p2', 'self'])
    expect(r.reason).toBe('tps-argmax')
  })

  it('starves a node that was never measured (it scores 0)', () => {
    const r = tpsArgmaxRank([cand('new', 0, { tokensPerSecond: 0 }), cand('p1', 30, { tokensPerSecond: 5 })])
    expect(targets(r)).toEqual(['p1', 'new'])
  })

  it('ties go to the first candidate', () => {
    expect(targets(tpsArgmaxRank([cand('self', 9, { tokensPerSecond: 0 }), cand('p1', 0, { tokensPerSecond: 0 })]))).toEqual(['self', 'p1'])
    expect(targets(tpsArgmaxRank([cand('p2', 9), cand('self', 0), cand('p1', 0)]))).toEqual(['p2', 'self', 'p1'])
  })
})

describe('least-in-flight', () => {
  it('the least loaded wins; the rest by load', () => {
    const r = leastInFlightRank([cand('self', 5), cand('p1', 1), cand('p2', 3)], seeded(1))
    expect(targets(r)).toEqual(['p1', 'p2', 'self'])
    expect(r.reason).toBe('least-in-flight')
    expect(r.scored.map((s) => s.costMs)).toEqual([1, 3, 5])
  })

  it('ignores speed and breaks ties at random', () => {
    const rand = seeded(9)
    const wins = new Map<string, number>()
    const cs = [cand('slow', 2, { tokensPerSecond: 1 }), cand('fast', 2, { tokensPerSecond: 1000 }), cand('busy', 3)]
    for (let i = 0; i < 2000; i++) {
      const t = leastInFlightRank(cs, rand).candidates[0]?.target as string
      wins.set(t, (wins.get(t) ?? 0) + 1)
    }
    expect(wins.get('busy')).toBeUndefined()
    expect(wins.get('slow')).toBeGreaterThan(800)
    expect(wins.get('fast')).toBeGreaterThan(800)
  })
})

describe('createRanker', () => {
  it('llmlb is rankCandidates (a free local slot wins)', () => {
    const r = createRanker('llmlb', seeded(2))([cand('p1', 0), cand('self', 1)], task)
    expect(r.candidates[0]?.target).toBe('self')
    expect(r.reason).toBe('local-free-slot')
  })

  it('routing.policy defaults to llmlb and is read from config.json', () => {
    const d = mkdtempSync(join(tmpdir(), 'llmlb-cfg-'))
    expect(loadConfig({ dataDir: d }, {}).routing.policy).toBe('llmlb')
    writeFileSync(join(d, 'config.json'), JSON.stringify({ routing: { policy: 'tps-argmax' } }))
    expect(loadConfig({ dataDir: d }, {}).routing.policy).toBe('tps-argmax')
    writeFileSync(join(d, 'config.json'), JSON.stringify({ routing: { policy: 'fastest' } }))
    expect(() => loadConfig({ dataDir: d }, {})).toThrow(/routing\.policy/)
  })
})
