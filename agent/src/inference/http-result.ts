/**
 * The HTTP-shaped outcome of serving a request, produced the same way whether the request came from
 * a client or from a peer over the mesh: status and headers are known before the first body byte;
 * the body streams (one chunk for JSON, one per event for SSE).
 */
export interface HttpResult {
  status: number
  headers: Record<string, string>
  body: AsyncIterable<string | Uint8Array>
  /**
   * The same answer as OpenAI stream chunk objects, when it was generated on this node and streams: a
   * protocol translator here reads these instead of parsing `body` back (read one or the other, never
   * both). Absent on forwarded answers: their bytes come from the peer.
   */
  chunks?: AsyncIterable<Record<string, unknown>>
}

/** A one-chunk JSON result. */
export function jsonResult(status: number, value: unknown, headers: Record<string, string> = {}): HttpResult {
  const text = JSON.stringify(value)
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: (async function* () {
      yield text
    })()
  }
}

/** Headers of a server-sent-events response. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no'
}

/** One SSE `data:` event. */
export const sseData = (value: unknown): string => `data: ${typeof value === 'string' ? value : JSON.stringify(value)}\n\n`

/** The terminator OpenAI clients wait for. */
export const SSE_DONE = 'data: [DONE]\n\n'

/**
 * `body`, passed through, with `done` called exactly once when its reading ends: finished, failed, or
 * closed by the reader — also when closed before the first read, which an async generator's `finally`
 * never sees (a generator closed before it started skips its body). Closing it closes `body`.
 */
export function onBodyEnd<T>(body: AsyncIterable<T>, done: () => void): AsyncIterable<T> & AsyncIterator<T> {
  let settled = false
  const settle = (): void => {
    if (settled) return
    settled = true
    done()
  }
  let it: AsyncIterator<T> | undefined
  const inner = (): AsyncIterator<T> => (it ??= body[Symbol.asyncIterator]())
  const self: AsyncIterable<T> & AsyncIterator<T> = {
    [Symbol.asyncIterator]: () => self,
    async next() {
      try {
        const r = await inner().next()
        if (r.done) settle()
        return r
      } catch (err) {
        settle()
        throw err
      }
    },
    async return(value?: unknown) {
      try {
        await inner().return?.(value)
      } finally {
        settle()
      }
      return { done: true, value: value as T }
    },
    async throw(err?: unknown) {
      settle()
      const t = inner().throw
      if (t) return t.call(it, err)
      throw err
    }
  }
  return self
}
