/**
 * The one client for every outbound HTTP call this node makes on a user's behalf (engines, hubs,
 * image URLs): an undici Agent whose connector checks the address each connection actually reaches
 * against the address policy. Checking at connect time, not before the request, is what defeats DNS
 * rebinding (a name that resolves to a public address for the check and to 127.0.0.1 for the
 * connection) and redirects into a blocked range: every hop of a redirect is a new connection, checked
 * the same way. Responses are bounded: time to the head, idle time in the body, and bytes for bodies
 * read whole.
 */
import { lookup as dnsLookup } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { Agent, buildConnector, fetch as undiciFetch, request, type Dispatcher } from 'undici'
import { AddressPolicy } from './address-policy.js'
import { guardedLookup, literalRefusal } from './connect-guard.js'
import { OutboundBlockedError, OutboundFailedError } from './outbound-errors.js'
import { receive, type HeadHandler, type Received, type ReceiveOnce } from './receive.js'
import { bulkFetch } from './bulk-fetch.js'
import { bulkOnce, type BulkGuard } from './bulk-get.js'

export interface OutboundOptions {
  /** Address classes and CIDRs that may be reached besides public addresses (see address-policy.ts). */
  allow?: readonly string[]
  /** Longest wait for a connection and for a response head (ms). @default 10_000 */
  headersTimeoutMs?: number
  /** Longest silence inside a response body (ms). @default 60_000 */
  bodyIdleTimeoutMs?: number
  /** Redirects followed by `request` (each hop checked again). @default 3 */
  maxRedirects?: number
  /** Largest body `json`/`text` read (bytes). @default 8 MiB */
  maxBytes?: number
  /** Longest `json`/`text` call, head and body (ms). @default 15_000 */
  timeoutMs?: number
  /** Name resolution (tests inject one to play a rebinding resolver). @default dns.lookup */
  lookup?: LookupFunction
}

export interface OutboundInit {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  signal?: AbortSignal
}

export type OutboundResponse = Dispatcher.ResponseData & { url: string }

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** The allow-list of calls that name none: the node's `outbound.allow`, set once at start. */
let defaultAllow: readonly string[] = []

/** The resolver of calls that name none (dns.lookup unless set: tests play a rebinding DNS server). */
let defaultLookup: LookupFunction | undefined

/**
 * Sets the allow-list (and optionally the resolver) `guardedAgent()` and `new Outbound()` use when
 * given none (the agent, at start).
 */
export function setOutboundDefaults(o: { allow: readonly string[]; lookup?: LookupFunction }): void {
  new AddressPolicy(o.allow)
  defaultAllow = [...o.allow]
  defaultLookup = o.lookup
}

/** The node's `outbound.allow` (as set at start): calls that widen it start from this list. */
export function outboundDefaults(): readonly string[] {
  return defaultAllow
}

/**
 * The connection-time guard as an undici Agent: every connection's address is checked. A drop-in for
 * `new Agent()` (compose interceptors on it as usual, e.g. undici's redirect interceptor: each hop is a
 * new connection, checked the same way).
 */
export function guardedAgent(opts: Pick<OutboundOptions, 'allow' | 'headersTimeoutMs' | 'bodyIdleTimeoutMs' | 'lookup'> & { connections?: number } = {}): Agent {
  return agentOf(connectGuard(opts), opts)
}

function agentOf({ policy, lookup }: { policy: AddressPolicy; lookup: LookupFunction }, opts: Pick<OutboundOptions, 'headersTimeoutMs' | 'bodyIdleTimeoutMs'> & { connections?: number }): Agent {
  const base = buildConnector({ lookup } as buildConnector.BuildOptions)
  const connect: buildConnector.connector = (o, cb) => {
    const refused = literalRefusal(policy, o.protocol, o.hostname)
    return refused ? cb(refused, null) : base(o, cb)
  }
  return new Agent({ connect, headersTimeout: opts.headersTimeoutMs ?? 10_000, bodyTimeout: opts.bodyIdleTimeoutMs ?? 60_000, ...(opts.connections ? { connections: opts.connections } : {}) })
}

/** The policy of a client (its allow-list, else the node's) and the resolver that enforces it. */
function connectGuard(opts: Pick<OutboundOptions, 'allow' | 'lookup'>): { policy: AddressPolicy; lookup: LookupFunction } {
  const policy = new AddressPolicy(opts.allow ?? defaultAllow)
  return { policy, lookup: guardedLookup(policy, opts.lookup ?? defaultLookup ?? (dnsLookup as unknown as LookupFunction)) }
}

/** The outbound client: requests through the guarded agent, redirects followed hop by hop. */
export class Outbound {
  readonly dispatcher: Agent
  private readonly bulk: BulkGuard
  private readonly maxRedirects: number
  private readonly maxBytes: number
  private readonly timeoutMs: number

  constructor(opts: OutboundOptions = {}) {
    const guard = connectGuard(opts)
    this.dispatcher = agentOf(guard, opts)
    this.bulk = { ...guard, headersTimeoutMs: opts.headersTimeoutMs ?? 10_000, bodyIdleTimeoutMs: opts.bodyIdleTimeoutMs ?? 60_000 }
    this.maxRedirects = opts.maxRedirects ?? 3
    this.maxBytes = opts.maxBytes ?? 8 * 1024 * 1024
    this.timeoutMs = opts.timeoutMs ?? 15_000
    const viaUndici = (input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]): ReturnType<typeof undiciFetch> => undiciFetch(input, { ...init, dispatcher: this.dispatcher })
    this.fetch = bulkFetch((url, init, onHead) => this.receive(url, init, onHead), viaUndici as unknown as typeof globalThis.fetch, this.maxBytes)
  }

  /** One request; the body is a stream the caller must consume or destroy. */
  async request(url: string, init: OutboundInit = {}): Promise<OutboundResponse> {
    let current = url
    let method = init.method ?? 'GET'
    let body = init.body
    for (let hop = 0; ; hop++) {
      const u = parseHttpUrl(current)
      let res: Dispatcher.ResponseData
      try {
        res = await request(u, { method: method as Dispatcher.HttpMethod, headers: init.headers, body, signal: init.signal, dispatcher: this.dispatcher })
      } catch (err) {
        throw outboundError(current, err)
      }
      const next = redirectHop(res.statusCode, res.headers.location, u, init, method)
      if (!next) return Object.assign(res, { url: current })
      discard(res.body)
      if (hop >= this.maxRedirects) throw new OutboundFailedError(url, `more than ${this.maxRedirects} redirects`)
      ;({ init, method } = next)
      body = init.body
      current = next.url
    }
  }

  /**
   * A GET whose body is handed to a sink piece by piece (downloads): no stream between the socket
   * and the sink, redirects followed hop by hop as `request` does, each hop on the bulk client. See
   * receive.ts and bulk-get.ts.
   */
  receive(url: string, init: OutboundInit, onHead: HeadHandler): Promise<Received> {
    const once: ReceiveOnce = (u, method, hopInit, h) => bulkOnce(this.bulk, u, method, hopInit, h)
    return receive(once, url, init, this.maxRedirects, onHead)
  }

  /** A request whose body is read whole, bounded in bytes and time; the text as it came. */
  async text(url: string, init: OutboundInit = {}, limits: { maxBytes?: number; timeoutMs?: number } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
    const timeout = AbortSignal.timeout(limits.timeoutMs ?? this.timeoutMs)
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout
    const late = (): OutboundFailedError => new OutboundFailedError(url, `no complete answer within ${limits.timeoutMs ?? this.timeoutMs} ms`)
    // the bound may run out before the head as well as in the body: the same error either way
    const res = await this.request(url, { ...init, signal }).catch((err: unknown) => {
      throw timeout.aborted && !init.signal?.aborted ? late() : err
    })
    try {
      const text = await readBounded(res.body, limits.maxBytes ?? this.maxBytes, url)
      return { status: res.statusCode, headers: res.headers, text }
    } catch (err) {
      discard(res.body)
      if (timeout.aborted) throw late()
      throw outboundError(url, err)
    }
  }

  /** Like `text`, parsed as JSON; a non-JSON answer is an OutboundFailedError. */
  async json(url: string, init: OutboundInit = {}, limits: { maxBytes?: number; timeoutMs?: number } = {}): Promise<{ status: number; body: unknown; text: string }> {
    const r = await this.text(url, init, limits)
    try {
      return { status: r.status, body: JSON.parse(r.text), text: r.text }
    } catch {
      throw new OutboundFailedError(url, `answered ${r.status} with a body that is not JSON`)
    }
  }

  /**
   * A WHATWG `fetch` for libraries that take one (the Hugging Face hub client): GETs on the bulk
   * client (bulk-fetch.ts says why), anything else through the guarded agent; redirects are new
   * connections, checked the same way.
   */
  readonly fetch: typeof globalThis.fetch

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined)
  }
}

/** Drops a body not read to its end (its abort is expected, not an error anyone handles). */
export function discard(body: { on(e: 'error', l: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => undefined)
  body.destroy()
}

/** Reads a body up to `maxBytes`, else fails (the rest is not read). */
export async function readBounded(body: AsyncIterable<Uint8Array | string>, maxBytes: number, url: string): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of body) {
    const b = typeof c === 'string' ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength)
    size += b.byteLength
    if (size > maxBytes) throw new OutboundFailedError(url, `answer larger than ${maxBytes} bytes`)
    chunks.push(b)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** An http(s) URL without credentials, else OutboundBlockedError (the one check of every outbound URL). */
export function parseHttpUrl(url: string): URL {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new OutboundBlockedError(url, 'not a URL')
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new OutboundBlockedError(url, `scheme ${u.protocol} is not http or https`)
  if (u.username || u.password) throw new OutboundBlockedError(u.origin, 'credentials in the URL are not accepted')
  return u
}

/**
 * Where a redirect answer leads (undefined when the answer is final): credentials never follow a
 * redirect to another origin, and a 303 (or a 301/302 after a POST) becomes a GET without a body.
 */
export function redirectHop(status: number, location: unknown, from: URL, init: OutboundInit, method: string): { url: string; init: OutboundInit; method: string } | undefined {
  if (!REDIRECTS.has(status) || typeof location !== 'string') return undefined
  const next = new URL(location, from)
  if (next.origin !== from.origin && init.headers) init = { ...init, headers: withoutCredentials(init.headers) }
  if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET'
    init = { ...init, method, body: undefined }
  }
  return { url: next.toString(), init, method }
}

const withoutCredentials = (h: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).filter(([k]) => !['authorization', 'x-api-key', 'cookie'].includes(k.toLowerCase())))

/** The policy's refusal as is; anything else from undici as an OutboundFailedError with its reason. */
export function outboundError(url: string, err: unknown): Error {
  if (err instanceof OutboundBlockedError || err instanceof OutboundFailedError) return err
  const cause = (err as { cause?: unknown }).cause
  if (cause instanceof OutboundBlockedError) return cause
  const e = err as { code?: string; message?: string; name?: string }
  const reason =
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ? 'no answer in time'
    : e.code === 'UND_ERR_BODY_TIMEOUT' ? 'no data in time'
    : e.code === 'UND_ERR_SOCKET' ? 'connection closed before the answer was complete'
    : e.code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connection timed out'
    : e.code === 'ECONNREFUSED' ? 'connection refused'
    : e.name === 'AbortError' || e.name === 'TimeoutError' ? 'aborted'
    : (e.code ?? e.message ?? 'unknown error')
  return new OutboundFailedError(url, reason, err)
}
