/**
 * Fetches a client-supplied URL on the client's behalf: http(s) only, through the node's outbound
 * policy (agent/src/net: every connection's address checked when it is made, so neither DNS nor a
 * redirect can swap in an internal one), redirects followed by hand so each hop's host is judged
 * against the allow-list again, a deadline, an expected content type, and a size limit enforced while
 * the body streams.
 */
import type { LookupFunction } from 'node:net'
import { request, type Agent } from 'undici'
import { ADDRESS_CLASSES, guardedAgent, OutboundBlockedError, parseHttpUrl } from '../net/index.js'
import { HostAllowList } from './address-policy.js'

export interface GuardedFetchPolicy {
  /** Largest body accepted (bytes). */
  maxBytes: number
  /** Deadline for the whole fetch, redirects included (ms). */
  timeoutMs: number
  /** Hosts that may be internal (`host` or `host:port`); cloud metadata addresses stay refused. */
  allow: readonly string[]
  /** Address classes and CIDRs any image URL may reach (the node's `outbound.allow`). @default [] */
  addressAllow?: readonly string[]
  /** Name resolution (tests play a rebinding resolver). @default dns.lookup */
  lookup?: LookupFunction
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
  /** For hosts on the allow list: internal ranges allowed too, metadata addresses still refused. */
  private readonly trustedAgent: Agent

  constructor(private readonly policy: GuardedFetchPolicy) {
    this.allow = new HostAllowList(policy.allow)
    const base = policy.addressAllow ?? []
    this.agent = guardedAgent({ allow: base, lookup: policy.lookup })
    this.trustedAgent = guardedAgent({ allow: [...base, ...ADDRESS_CLASSES], lookup: policy.lookup })
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

  /** Parses a URL before any connection (its address is checked when the connection is made). */
  private check(raw: string): URL {
    if (!URL.canParse(raw)) throw new GuardedFetchError('not a valid URL')
    try {
      return parseHttpUrl(raw)
    } catch {
      const u = new URL(raw)
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new GuardedFetchError(`scheme '${u.protocol.replace(/:$/, '')}' is not supported (use https, http or a data URL)`)
      throw new GuardedFetchError('URLs with credentials are not fetched')
    }
  }

  private failure(err: unknown, deadline: AbortSignal, url: URL): GuardedFetchError {
    if (deadline.aborted) return new GuardedFetchError(`${url.host} did not answer within ${this.policy.timeoutMs} ms`)
    const e = err as Error & { code?: string; cause?: Error & { code?: string } }
    const inner = e.cause ?? e
    if (inner instanceof OutboundBlockedError) {
      return new GuardedFetchError(`${inner.reason}: image URLs may not reach loopback, private or link-local addresses unless vision.imageUrlAllow names the host`)
    }
    return new GuardedFetchError(`${url.host} could not be fetched (${inner.code ?? inner.message})`)
  }
}
