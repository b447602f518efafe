/**
 * A WHATWG-style `fetch` for libraries that take one (the Hugging Face hub client), whose GETs go
 * over the bulk client (bulk-get.ts: plain sockets, the head parsed here) instead of undici. Why: the
 * first undici request of a process loads its HTTP parser, a WebAssembly module that V8 then compiles
 * to optimised code in the background — 210–230 ms of CPU in the next second and a half, measured on
 * a 2-core VM. A pull's first hub call set that off right as the file's transfer began, where it took
 * a core from the reads, the writes and the SHA-256 (specs/models.md, Benchmark). Anything but a plain
 * GET goes to `fallback` (undici).
 *
 * The answer is the part of `Response` such clients read: `ok`, `status`, `url`, `headers.get/has`,
 * `text()`, `json()`, `arrayBuffer()`. A failure rejects as `fetch` does: a TypeError whose `cause`
 * is the reason (an OutboundBlockedError for an address the policy refuses).
 */
import { OutboundFailedError } from './outbound-errors.js'
import type { OutboundInit } from './outbound.js'
import type { HeadHandler, Received, ReceivedHead } from './receive.js'

type Fetch = typeof globalThis.fetch
type ReceiveFn = (url: string, init: OutboundInit, onHead: HeadHandler) => Promise<Received>

/** The request's headers as a plain record, whatever form they came in (record, pairs or a Headers). */
function plainHeaders(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  if (!h) return out
  if (Array.isArray(h)) for (const [k, v] of h as [string, string][]) out[k.toLowerCase()] = String(v)
  else if (typeof (h as Headers).forEach === 'function') (h as Headers).forEach((v, k) => (out[k.toLowerCase()] = v))
  else for (const [k, v] of Object.entries(h as Record<string, string>)) out[k.toLowerCase()] = String(v)
  return out
}

/** The answer's headers, read case-insensitively; repeated ones joined with ', ' as fetch does. */
class AnswerHeaders {
  constructor(private readonly raw: ReceivedHead['headers']) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()]
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined
  }
}

class BulkAnswer {
  readonly ok: boolean
  readonly status: number
  readonly statusText = ''
  readonly url: string
  readonly headers: AnswerHeaders
  constructor(head: ReceivedHead, private readonly body: Buffer) {
    this.status = head.status
    this.ok = head.status >= 200 && head.status < 300
    this.url = head.url
    this.headers = new AnswerHeaders(head.headers)
  }
  async text(): Promise<string> {
    return this.body.toString('utf8')
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.body.toString('utf8'))
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.body.buffer.slice(this.body.byteOffset, this.body.byteOffset + this.body.byteLength) as ArrayBuffer
  }
}

/** `fetch` on `receive` for GETs (bodies read whole, at most `maxBytes`), `fallback` for the rest. */
export function bulkFetch(receive: ReceiveFn, fallback: Fetch, maxBytes: number): Fetch {
  return (async (input: Parameters<Fetch>[0], init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : undefined
    if (url === undefined || (init?.method ?? 'GET').toUpperCase() !== 'GET' || init?.body != null) return fallback(input, init)
    init?.signal?.throwIfAborted()
    const chunks: Buffer[] = []
    let size = 0
    let got: Received
    try {
      // identity: the bulk client does not decode a compressed body
      const headers = { ...plainHeaders(init?.headers), 'accept-encoding': 'identity' }
      got = await receive(url, { headers, ...(init?.signal ? { signal: init.signal } : {}) }, () => (chunk) => {
        size += chunk.length
        if (size > maxBytes) throw new OutboundFailedError(url, `answer larger than ${maxBytes} bytes`)
        // a piece is valid during the call only (the next read lands in the same memory)
        chunks.push(Buffer.from(chunk))
        return undefined
      })
    } catch (err) {
      if (init?.signal?.aborted) throw init.signal.reason
      throw new TypeError('fetch failed', { cause: err })
    }
    return new BulkAnswer(got.head, Buffer.concat(chunks)) as unknown as Response
  }) as Fetch
}
