/**
 * Incremental server-sent-events parser (the WHATWG "event stream interpretation"), fed with text
 * chunks that may split anywhere: inside a field, between `\r` and `\n`, or mid-event. Used for the
 * playground's fetch-based chat stream, where EventSource cannot be used (it only does GET).
 */

/** One dispatched event. `event` is "message" when the stream did not name it. */
export interface SseEvent {
  event: string
  data: string
  id?: string
  retry?: number
}

export interface SseParser {
  /** Feeds a chunk of text; returns the events it completed, in order. */
  push(chunk: string): SseEvent[]
  /** Ends the stream. A trailing event without its blank line is discarded, as the spec says. */
  end(): SseEvent[]
}

export function createSseParser(): SseParser {
  let buffer = ''
  // a chunk ended in "\r": if the next starts with "\n" it belongs to the same line break
  let skipLeadingLf = false
  let eventType = ''
  let data: string[] = []
  let id: string | undefined
  let retry: number | undefined

  const dispatch = (out: SseEvent[]): void => {
    if (data.length > 0) {
      const ev: SseEvent = { event: eventType || 'message', data: data.join('\n') }
      if (id !== undefined) ev.id = id
      if (retry !== undefined) ev.retry = retry
      out.push(ev)
    }
    eventType = ''
    data = []
    retry = undefined
  }

  const line = (text: string, out: SseEvent[]): void => {
    if (text === '') return dispatch(out)
    if (text.startsWith(':')) return
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'event':
        eventType = value
        break
      case 'data':
        data.push(value)
        break
      case 'id':
        if (!value.includes('\0')) id = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) retry = Number(value)
        break
    }
  }

  return {
    push(chunk) {
      const out: SseEvent[] = []
      let text = chunk
      if (skipLeadingLf && text.startsWith('\n')) text = text.slice(1)
      skipLeadingLf = false
      buffer += text
      let start = 0
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i]
        if (c !== '\n' && c !== '\r') continue
        line(buffer.slice(start, i), out)
        if (c === '\r') {
          if (i + 1 === buffer.length) skipLeadingLf = true
          else if (buffer[i + 1] === '\n') i++
        }
        start = i + 1
      }
      buffer = buffer.slice(start)
      return out
    },
    end() {
      buffer = ''
      eventType = ''
      data = []
      return []
    }
  }
}

/**
 * Reads a byte stream (a fetch body) as SSE events. Decodes UTF-8 across chunk boundaries; stops
 * when the stream ends or `signal` aborts (the reader is then cancelled).
 */
export async function* readSseEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const parser = createSseParser()
  const onAbort = (): void => {
    void reader.cancel().catch(() => undefined)
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  let finished = false
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) {
        finished = true
        yield* parser.push(decoder.decode())
        yield* parser.end()
        return
      }
      yield* parser.push(decoder.decode(value, { stream: true }))
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    // the consumer stopped early (break, abort): cancel so the connection closes
    if (!finished) await reader.cancel().catch(() => undefined)
    reader.releaseLock()
  }
}
