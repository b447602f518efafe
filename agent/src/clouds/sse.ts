/**
 * Server-sent events as the providers send them (`event:` and `data:` lines, events split by a blank
 * line, CRLF or LF). Multi-line data is joined with newlines, as the SSE specification says.
 */
export interface SseEvent {
  event?: string
  data: string
}

/** Longest single event accepted (bytes of text): a provider never sends one this large. */
export const MAX_EVENT_CHARS = 4 * 1024 * 1024

export async function* sseEvents(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder()
  let buf = ''
  const parse = (block: string): SseEvent | undefined => {
    let event: string | undefined
    const data: string[] = []
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5))
    }
    return data.length ? { ...(event ? { event } : {}), data: data.join('\n') } : undefined
  }
  for await (const piece of body) {
    buf += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true })
    for (;;) {
      const m = /\r?\n\r?\n/.exec(buf)
      if (!m) break
      const e = parse(buf.slice(0, m.index))
      buf = buf.slice(m.index + m[0].length)
      if (e) yield e
    }
    if (buf.length > MAX_EVENT_CHARS) throw new Error('provider event too large')
  }
  const last = parse(buf)
  if (last) yield last
}
