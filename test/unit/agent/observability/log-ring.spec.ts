import { describe, expect, it } from 'vitest'
import { LogRing } from '../../../../agent/src/observability/log-ring.js'

describe('LogRing', () => {
  it('keeps the newest lines within count and byte bounds', () => {
    const r = new LogRing({ maxLines: 3, maxBytes: 1000 })
    for (let i = 0; i < 5; i++) r.write(`line ${i}\n`)
    expect(r.lines()).toEqual(['line 2\n', 'line 3\n', 'line 4\n'])
    expect(r.hasDropped()).toBe(true)
    const b = new LogRing({ maxLines: 100, maxBytes: 20 })
    for (let i = 0; i < 5; i++) b.write(`0123456${i}\n`)
    expect(b.lines()).toEqual(['01234563\n', '01234564\n'])
  })
})
