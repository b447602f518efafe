/**
 * The end-token policy (child/end-token.ts): with ignore_eos an answer reaches its max_tokens even when
 * the model samples end tokens along the way, a grammar's end token still ends it, and a model that
 * samples nothing but end tokens stops within bounds (skips and context room).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { endTokenAction } from '../../../native-runtime/src/child/end-token.js'

/** Plays a generation: `ends[i]` says whether the i-th sample is an end token. Returns tokens kept and why it ended. */
function play(ends: boolean[], maxTokens: number, room: number, ignoreEos: boolean, constrained = false): { kept: number; sampled: number; reason: string } {
  let kept = 0
  let skipped = 0
  let sampled = 0
  for (const end of ends) {
    sampled++
    if (end) {
      const action = endTokenAction({ ignoreEos, constrained, skipped, sampled, maxTokens, room })
      if (action === 'skip') {
        skipped++
        continue
      }
      return { kept, sampled, reason: action }
    }
    kept++
    if (kept >= maxTokens || sampled >= room) return { kept, sampled, reason: 'length' }
  }
  return { kept, sampled, reason: 'exhausted' }
}

describe('end tokens', () => {
  it('without ignore_eos, or under a grammar, an end token ends the answer', () => {
    expect(play([false, false, true, false], 8, 100, false)).toEqual({ kept: 2, sampled: 3, reason: 'stop' })
    expect(play([false, true, false], 8, 100, true, true)).toEqual({ kept: 1, sampled: 2, reason: 'stop' })
  })

  it('with ignore_eos, end tokens sampled along the way do not shorten the answer', () => {
    // the last sample before max_tokens is an end token: the answer still gets its 6 tokens
    expect(play([false, false, false, false, false, true, false, false], 6, 100, true)).toEqual({ kept: 6, sampled: 7, reason: 'length' })
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }), (maxTokens, draws) => {
        // at most max_tokens end tokens: the answer is whole
        let ends = 0
        const limited = draws.map((d) => d && ends++ < maxTokens)
        expect(play(limited, maxTokens, 1000, true)).toMatchObject({ kept: maxTokens, reason: 'length' })
      })
    )
  })

  it('a model that samples only end tokens stops after max_tokens skips, or when the context room is full', () => {
    expect(play(Array(100).fill(true), 5, 1000, true)).toEqual({ kept: 0, sampled: 6, reason: 'length' })
    expect(play(Array(100).fill(true), 50, 10, true)).toEqual({ kept: 0, sampled: 10, reason: 'length' })
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 }), fc.array(fc.boolean(), { minLength: 300, maxLength: 300 }), (maxTokens, room, draws) => {
        const r = play(draws, Math.min(maxTokens, room), room, true)
        // never past the context's room, never more than max_tokens kept, never more than 2 × max_tokens sampled
        expect(r.sampled).toBeLessThanOrEqual(room)
        expect(r.kept).toBeLessThanOrEqual(Math.min(maxTokens, room))
        expect(r.sampled).toBeLessThanOrEqual(2 * Math.min(maxTokens, room) + 1)
        expect(r.reason).toBe('length')
      })
    )
  })
})
