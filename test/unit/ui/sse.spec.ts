// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { createSseParser, readSseEvents, type SseEvent } from '../../../ui/src/lib/sse.js'
import { streamOf } from './helpers.js'

const all = (chunks: string[]): SseEvent[] => {
  const p = createSseParser()
  return [...chunks.flatMap((c) => p.push(c)), ...p.end()]
}

describe('createSseParser', () => {
  it('parses whole events', () => {
    expect(all(['data: a\n\ndata: b\n\n'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' }
    ])
  })

  it('gives the same events however the text is split', () => {
    const text = 'event: nodes\ndata: {"x":1}\n\n: keep-alive\n\ndata: line1\ndata: line2\nid: 7\n\ndata: [DONE]\n\n'
    const expected = all([text])
    expect(expected).toEqual([
      { event: 'nodes', data: '{"x":1}' },
      { event: 'message', data: 'line1\nline2', id: '7' },
      { event: 'message', data: '[DONE]', id: '7' }
    ])
    for (let size = 1; size < text.length; size++) {
      const chunks: string[] = []
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size))
      expect(all(chunks)).toEqual(expected)
    }
  })

  it('treats CRLF and CR as line ends, even split between chunks', () => {
    expect(all(['data: a\r', '\n\r', '\ndata: b\r\r'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' }
    ])
  })

  it('keeps a value without the optional space and ignores unknown fields', () => {
    expect(all(['data:x\nfoo: bar\nretry: 100\n\n'])).toEqual([{ event: 'message', data: 'x', retry: 100 }])
  })

  it('drops a trailing event that never got its blank line', () => {
    expect(all(['data: whole\n\ndata: partial'])).toEqual([{ event: 'message', data: 'whole' }])
  })
})

describe('readSseEvents', () => {
  it('decodes UTF-8 split across byte chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo ✓\n\n')
    const stream = streamOf([bytes.slice(0, 8), bytes.slice(8, 14), bytes.slice(14)])
    const out: SseEvent[] = []
    for await (const ev of readSseEvents(stream)) out.push(ev)
    expect(out).toEqual([{ event: 'message', data: 'héllo ✓' }])
  })

  it('cancels the stream when the consumer stops early', async () => {
    let cancelled = false
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('data: 1\n\ndata: 2\n\n'))
      },
      cancel() {
        cancelled = true
      }
    })
    for await (const ev of readSseEvents(stream)) {
      expect(ev.data).toBe('1')
      break
    }
    expect(cancelled).toBe(true)
  })
})
