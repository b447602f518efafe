import { describe, expect, it } from 'vitest'
import { ReasoningSplitter, type ReasoningSegment } from '../../../native-runtime/src/tools/reasoning-splitter.js'

function split(text: string, startInside = false, step = 1): { reasoning: string; text: string } {
  const s = new ReasoningSplitter(startInside)
  const out: ReasoningSegment[] = []
  for (let i = 0; i < text.length; i += step) out.push(...s.push(text.slice(i, i + step)))
  out.push(...s.flush())
  return { reasoning: out.filter((x) => x.type === 'reasoning').map((x) => x.text).join(''), text: out.filter((x) => x.type === 'text').map((x) => x.text).join('') }
}

describe('ReasoningSplitter', () => {
  it('separates <think>…</think> from the answer, streamed by character', () => {
    expect(split('<think>\nLet me see.\n</think>\n\nParis.')).toEqual({ reasoning: 'Let me see.\n', text: 'Paris.' })
  })

  it('starts inside when the prompt opened the segment', () => {
    expect(split('hmm</think>Yes', true, 3)).toEqual({ reasoning: 'hmm', text: 'Yes' })
  })

  it('an answer without thinking is all text, and a later <think> is just text', () => {
    expect(split('Hello <think>x</think>')).toEqual({ reasoning: '', text: 'Hello <think>x</think>' })
  })

  it('an unfinished thinking segment stays reasoning', () => {
    expect(split('<think>still thinking', false, 4)).toEqual({ reasoning: 'still thinking', text: '' })
  })
})
