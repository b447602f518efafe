/**
 * Which addresses an outbound fetch made on a client's behalf may reach. Loopback, private, link-local,
 * shared (CGNAT), unspecified and multicast addresses are refused unless the operator allows the host, so
 * a request cannot make the node probe its own network (SSRF). The ranges are the outbound policy's
 * (`agent/src/net/`); the host allow-list is the vision configuration's own.
 */
import { isIP } from 'node:net'
import { classify } from '../net/index.js'

/**
 * True for an address a client's URL may not reach: anything but a public address in the node's one
 * address classification (IPv4-mapped IPv6 is judged as its IPv4).
 */
export function isInternalAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '')
  if (isIP(bare) === 0 && !/^::ffff:/i.test(bare)) return true // not an address at all: refuse rather than guess
  try {
    return classify(bare) !== 'public'
  } catch {
    return true
  }
}

/** The operator's exceptions: `host` or `host:port` entries (case-insensitive; IPv6 in brackets with a port). */
export class HostAllowList {
  private readonly entries: { host: string; port: number | null }[]

  constructor(entries: readonly string[]) {
    this.entries = entries.map((e) => {
      const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(e.trim().toLowerCase())
      if (!m) return { host: e.trim().toLowerCase(), port: null }
      return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port: m[2] === undefined ? null : Number(m[2]) }
    })
  }

  /** True when `host` (a name or an address, no brackets) on `port` is allowed to be internal. */
  allows(host: string, port: number): boolean {
    const h = host.toLowerCase()
    return this.entries.some((e) => e.host === h && (e.port === null || e.port === port))
  }
}
