/**
 * Reads what history needs out of a response body as it streams past, for local and forwarded
 * answers alike (the ingress node sees the same OpenAI bytes either way): the `usage` object (JSON
 * bodies end with it; SSE streams carry it in the last chunk before `[DONE]`), an error (an error
 * body, or the one SSE error event a failed stream ends with), the number of content events (the
 * token estimate when a client leaves before usage arrives), and the first bytes for storage.
 * Only a bounded head and tail are kept; nothing is parsed unless it can hold usage or an error.
 */

/** Bytes of a JSON body's tail searched for `usage`. */
export const USAGE_TAIL_BYTES = 8192

/** A usage object, with one level of nested objects (`prompt_tokens_details`). */
const USAGE_RE = /"usage"\s*:\s*\{(?:[^{}]|\{[^{}]*\})*\}/g
const HAS_USAGE = /"usage"\s*:\s*\{/
const HAS_ERROR = /"error"\s*:\s*\{/

export interface Usage {
  inputTokens: number
  outputTokens: number
}

export interface ResponseFacts {
  usage?: Usage
  error?: { code: string; message: string }
  /** SSE events that carried generated content. */
  contentEvents: number
  /** The first `captureBytes` of the body (decoded text). */
  captured: string
  /** True when `captured` is the whole body. */
  complete: boolean
  /** Body size (bytes). */
  bytes: number
}

function usageFrom(u: unknown): Usage | undefined {
  if (typeof u !== 'object' || u === null) return undefined
  const { prompt_tokens: p, completion_tokens: c } = u as { prompt_tokens?: unknown; completion_tokens?: unknown }
  if (typeof p !== 'number') return undefined
  return { inputTokens: p, outputTokens: typeof c === 'number' ? c : 0 }
}

function errorFrom(e: unknown): { code: string; message: string } | undefined {
  if (typeof e !== 'object' || e === null) return undefined
  const { code, message, type } = e as { code?: unknown; message?: unknown; type?: unknown }
  return { code: typeof code === 'string' ? code : typeof type === 'string' ? type : 'error', message: typeof message === 'string' ? message : '' }
}

export class ResponseReader {
  private readonly dec = new TextDecoder()
  private head = ''
  private tail = ''
  private pending = ''
  private bytes = 0
  private complete = true
  private usage?: Usage
  private error?: { code: string; message: string }
  private contentEvents = 0

  /**
   * @param sse the body is `text/event-stream`
   * @param captureBytes how much of the body to keep for storage (0: none)
   */
  constructor(
    private readonly sse: boolean,
    private readonly captureBytes: number
  ) {}

  push(chunk: string | Uint8Array): void {
    const text = typeof chunk === 'string' ? chunk : this.dec.decode(chunk, { stream: true })
    this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength
    if (this.head.length < this.captureBytes) this.head += text.slice(0, this.captureBytes - this.head.length)
    if (this.head.length >= this.captureBytes && this.bytes > this.captureBytes) this.complete = false
    if (this.sse) this.readEvents(text)
    else this.tail = (this.tail + text).slice(-USAGE_TAIL_BYTES)
  }

  private readEvents(text: string): void {
    this.pending += text
    let end: number
    while ((end = this.pending.indexOf('\n\n')) >= 0) {
      this.readEvent(this.pending.slice(0, end))
      this.pending = this.pending.slice(end + 2)
    }
  }

  private readEvent(event: string): void {
    for (const line of event.split('\n')) {
      if (!line.startsWith('data:')) continue
      const data = line.slice(5).trim()
      if (data === '[DONE]') continue
      // chat deltas carry "content", completions "text", Responses text deltas a string "delta"
      if (data.includes('"content":"') || data.includes('"text":"') || data.includes('"delta":"')) this.contentEvents++
      if (!HAS_USAGE.test(data) && !HAS_ERROR.test(data)) continue
      try {
        const obj = JSON.parse(data) as { usage?: unknown; error?: unknown }
        this.usage = usageFrom(obj.usage) ?? this.usage
        this.error = errorFrom(obj.error) ?? this.error
      } catch {
        // a malformed event says nothing about usage
      }
    }
  }

  /** What was learned; `status` decides whether a JSON body is read as an error. */
  finish(status: number): ResponseFacts {
    if (!this.sse) {
      let last: string | undefined
      for (const m of this.tail.matchAll(USAGE_RE)) last = m[0]
      if (last) {
        try {
          this.usage = usageFrom((JSON.parse(`{${last}}`) as { usage: unknown }).usage)
        } catch {
          // not a usage object after all
        }
      }
      if (status >= 400) {
        try {
          this.error = errorFrom((JSON.parse(this.tail) as { error?: unknown }).error)
        } catch {
          this.error = { code: `http_${status}`, message: '' }
        }
      }
    }
    return { usage: this.usage, error: this.error, contentEvents: this.contentEvents, captured: this.head, complete: this.complete, bytes: this.bytes }
  }
}
