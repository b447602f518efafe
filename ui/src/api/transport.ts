/**
 * The HTTP layer under the API client: same-origin fetch with the session cookie, JSON in and out,
 * the CSRF header on every write, typed errors, and one place that notices a 401.
 */
import { ApiError } from './errors.js'

export type Query = Record<string, string | number | boolean | undefined | null>

export interface RequestOptions {
  query?: Query | string
  body?: unknown
  signal?: AbortSignal
  /** Do not report a 401 as an expired session (login, the session probe itself). */
  expect401?: boolean
  headers?: Record<string, string>
  /** A multipart body (audio uploads); the browser writes its content type with the boundary. */
  form?: FormData
}

export interface TransportInit {
  /** Prefix of every path. @default '' (same origin) */
  baseUrl?: string
  /** @default globalThis.fetch */
  fetch?: typeof fetch
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Header the agent checks on cookie-authenticated writes. */
export const CSRF_HEADER = 'x-csrf-token'

export class Transport {
  readonly baseUrl: string
  private readonly fetchImpl: typeof fetch
  private csrfToken: string | null = null
  private readonly unauthorizedListeners = new Set<() => void>()

  constructor(init: TransportInit = {}) {
    this.baseUrl = (init.baseUrl ?? '').replace(/\/$/, '')
    this.fetchImpl = init.fetch ?? ((input, reqInit) => globalThis.fetch(input, reqInit))
  }

  /** The token from login or /api/auth/me; sent as x-csrf-token on writes. */
  setCsrfToken(token: string | null): void {
    this.csrfToken = token
  }

  /** Called whenever a request comes back 401 (unless it expected one). Returns an unsubscribe. */
  onUnauthorized(listener: () => void): () => void {
    this.unauthorizedListeners.add(listener)
    return () => this.unauthorizedListeners.delete(listener)
  }

  /** Absolute-path URL for `path` with a query. */
  url(path: string, query?: Query | string): string {
    const qs = typeof query === 'string' ? query : query ? encodeQuery(query) : ''
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`
  }

  /** Sends a request and returns the raw response when it is 2xx; throws ApiError otherwise. */
  async send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    if (WRITE_METHODS.has(method) && this.csrfToken) headers[CSRF_HEADER] = this.csrfToken
    let res: Response
    try {
      res = await this.fetchImpl(this.url(path, opts.query), {
        method,
        headers,
        credentials: 'same-origin',
        body: opts.form ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
        signal: opts.signal
      })
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err
      throw new ApiError((err as Error)?.message || 'network error', 0)
    }
    if (res.ok) return res
    const body = await res.json().catch(() => null)
    const error = ApiError.fromBody(res.status, body, `${method} ${path} failed with HTTP ${res.status}`)
    if (res.status === 401 && !opts.expect401) for (const l of this.unauthorizedListeners) l()
    throw error
  }

  /** Sends a request and parses the JSON answer (undefined for 204). */
  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts)
    if (res.status === 204) return undefined as T
    const text = await res.text()
    return (text ? JSON.parse(text) : undefined) as T
  }
}

/** Encodes a query object, leaving out undefined, null and empty strings. */
export function encodeQuery(query: Query): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v))
  return p.toString()
}
