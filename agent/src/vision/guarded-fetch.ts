/**
 * Fetches a client-supplied URL on the client's behalf, with every check in one place: http(s) only, no
 * internal addresses (checked on the resolved addresses, at connect time, so DNS cannot swap in an internal
 * one after the check), redirects followed by hand and checked again, a deadline, an expected content type,
 * and a size limit enforced while the body streams.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import { Agent, request } from 'undici'
import { HostAllowList, isInternalAddress } from './address-policy.js'

export interface GuardedFetchPolicy {
  /** Largest body accepted (bytes). */
  maxBytes: number
  /** Deadline for the whole fetch, redirects included (ms). */
  timeoutMs: number
  /** Hosts that may be internal (`host` or `host:port`). */
  allow: readonly string[]
  /** Most redirects followed. @default 3 */
  maxRedirects?: number
}

export interface FetchedBody {
  bytes: Buffer
  contentType: string
}

/** Why a fetch was refused or failed: a sentence for the client. */
export class GuardedFetchError extends Error {}

const defaultPort = (u: URL): number => (u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80)

export class GuardedFetcher {
  private readonly allow: HostAllowList
  private readonly agent: Agent
  /** For hosts on the allow list: no address check. */
  private readonly trustedAgent = new Agent({ connections: 16 })

  constructor(private readonly policy: GuardedFetchPolicy) {
    this.allow = new HostAllowList(policy.allow)
    this.agent = new Agent({ connect: { lookup: this.checkedLookup() }, connections: 16 })
  }

  /** Fetches `url`; `accept` tells whether a content type is acceptable. Throws GuardedFetchError. */
  async fetch(url: string, accept: (contentType: string) => boolean, signal?: AbortSignal): Promise<FetchedBody> {
    const deadline = AbortSignal.timeout(this.policy.timeoutMs)
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline
    let current = this.check(url)
    for (let hop = 0; ; hop++) {
      const dispatcher = this.allow.allows(current.hostname.replace(/^\[|\]$/g, ''), defaultPort(current)) ? this.trustedAgent : this.agent
      let res
      try {
        res = await request(current, { method: 'GET', dispatcher, signal: combined, headers: { accept: 'image/*' } })
      } catch (err) {
        throw this.failure(err, deadline, current)
      }
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location !== undefined) {
        res.body.resume()
        if (hop >= (this.policy.maxRedirects ?? 3)) throw new GuardedFetchError(`too many redirects from ${url}`)
        current = this.check(new URL(String(res.headers.location), current).toString())
        continue
      }
      if (res.statusCode !== 200) {
        res.body.resume()
        throw new GuardedFetchError(`${current.host} answered HTTP ${res.statusCode}`)
      }
      const contentType = String(res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
      if (!accept(contentType)) {
        res.body.resume()
        throw new GuardedFetchError(`${current.host} sent content type '${contentType || 'none'}', not an image`)
      }
      const declared = Number(res.headers['content-length'] ?? NaN)
      if (declared > this.policy.maxBytes) {
        res.body.resume()
        throw new GuardedFetchError(`the image is ${declared} bytes, over the limit of ${this.policy.maxBytes}`)
      }
      const chunks: Buffer[] = []
      let size = 0
      try {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length
          if (size > this.policy.maxBytes) {
            res.body.destroy()
            throw new GuardedFetchError(`the image is over the limit of ${this.policy.maxBytes} bytes`)
          }
          chunks.push(chunk as Buffer)
        }
      } catch (err) {
        throw err instanceof GuardedFetchError ? err : this.failure(err, deadline, current)
      }
      return { bytes: Buffer.concat(chunks, size), contentType }
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.trustedAgent.close()])
  }

  /** Parses and checks a URL before any connection: scheme, and an address literal against the policy. */
  private check(raw: string): URL {
    let u: URL
    try {
      u = new URL(raw)
    } catch {
      throw new GuardedFetchError('not a valid URL')
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new GuardedFetchError(`scheme '${u.protocol.replace(/:$/, '')}' is not supported (use https, http or a data URL)`)
    if (u.username || u.password) throw new GuardedFetchError('URLs with credentials are not fetched')
    const host = u.hostname.replace(/^\[|\]$/g, '')
    // an address literal connects without a lookup, so it is checked here
    if (isIP(host) !== 0 && isInternalAddress(host) && !this.allow.allows(host, defaultPort(u))) {
      throw new GuardedFetchError(`${host} is a loopback, private or link-local address; the node does not fetch from its own network`)
    }
    return u
  }

  /** A DNS lookup that refuses names resolving to an internal address (unless the host is allowed). */
  private checkedLookup(): LookupFunction {
    return (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err, '', 0)
        const list = addresses as LookupAddress[]
        const internal = list.find((a) => isInternalAddress(a.address))
        // allowed hosts use the trusted agent, so any internal address here is refused
        if (internal !== undefined) {
          return callback(Object.assign(new Error(`${hostname} resolves to ${internal.address}, a loopback, private or link-local address`), { code: 'EINTERNAL' }), '', 0)
        }
        const first = list[0]
        if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0)
        if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list)
        callback(null, first.address, first.family)
      })
    }
  }

  private failure(err: unknown, deadline: AbortSignal, url: URL): GuardedFetchError {
    if (deadline.aborted) return new GuardedFetchError(`${url.host} did not answer within ${this.policy.timeoutMs} ms`)
    const e = err as Error & { code?: string; cause?: Error & { code?: string } }
    const inner = e.cause ?? e
    if (inner.code === 'EINTERNAL') return new GuardedFetchError(inner.message)
    return new GuardedFetchError(`${url.host} could not be fetched (${inner.code ?? inner.message})`)
  }
}
