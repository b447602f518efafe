import { describe, expect, it, vi } from 'vitest'
import { coalesceText } from '../../../native-runtime/src/child/event-coalescer.js'

type Ev = { type: 'text'; text: string; tokens: number } | { type: 'end' } | { type: 'start' }

describe('coalesceText', () => {
  it('sends the first text at once, merges later text within the window, and keeps order before end', () => {
    vi.useFakeTimers()
    try {
      const sent: Ev[] = []
      const { emit } = coalesceText<Ev>((e) => sent.push(e), 4)
      emit({ type: 'start' })
      emit({ type: 'text', text: 'a', tokens: 1 })
      expect(sent).toEqual([{ type: 'start' }, { type: 'text', text: 'a', tokens: 1 }])
      emit({ type: 'text', text: 'b', tokens: 1 })
      emit({ type: 'text', text: 'c', tokens: 2 })
      expect(sent).toHaveLength(2)
      vi.advanceTimersByTime(4)
      expect(sent[2]).toEqual({ type: 'text', text: 'bc', tokens: 3 })
      emit({ type: 'text', text: 'd', tokens: 1 })
      emit({ type: 'end' })
      expect(sent.slice(3)).toEqual([{ type: 'text', text: 'd', tokens: 1 }, { type: 'end' }])
      vi.advanceTimersByTime(10)
      expect(sent).toHaveLength(5)
    } finally {
      vi.useRealTimers()
    }
  })
})
