import { describe, expect, it } from 'vitest'
import { rankCandidates } from '../../../agent/src/scheduler/select.js'
import type { Candidate } from '../../../agent/src/scheduler/candidates.js'

const cand = (target: string, slotsBusy: number, slotsTotal = 4, queueDepth = 0): Candidate => ({
  target,
  nodeName: target,
  slotsBusy,
  slotsTotal,
  queueDepth,
  tokensPerSecond: 10,
  capabilities: { chat: true, completion: true, embeddings: true, tools: false, vision: false },
  contextLength: 512,
  stateAgeMs: 0
})

describe('rankCandidates', () => {
  it('serves locally when this node has a free slot', () => {
    const r = rankCandidates([cand('p1', 0), cand('self', 3)])
    expect(r.candidates[0]?.target).toBe('self')
    expect(r.reason).toBe('local-free-slot')
  })
  it('prefers a peer with a free slot over queueing here', () => {
    const r = rankCandidates([cand('self', 4, 4, 2), cand('p1', 1)])
    expect(r.candidates[0]?.target).toBe('p1')
    expect(r.reason).toBe('least-loaded')
  })
  it('reports only-holder and queued', () => {
    expect(rankCandidates([cand('p1', 4)]).reason).toBe('only-holder')
    expect(rankCandidates([cand('p1', 4, 4, 1), cand('p2', 4, 4, 3)]).reason).toBe('queued')
  })
  it('spreads ties between equal peers', () => {
    let seed = 1
    const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    const firsts = new Set<string>()
    for (let i = 0; i < 50; i++) firsts.add(rankCandidates([cand('p1', 1), cand('p2', 1), cand('p3', 1)], rand).candidates[0]?.target as string)
    expect(firsts.size).toBe(3)
  })
})
