/**
 * Which addresses an outbound fetch made on a client's behalf may reach. Loopback, private, link-local,
 * shared (CGNAT), unspecified and multicast addresses are refused unless the operator allows the host, so
 * a request cannot make the node probe its own network (SSRF). Pure; one place for the rule so a shared
 * outbound policy can replace it.
 */
import { BlockList, isIP } from 'node:net'

const blocked = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4]
] as const)
  blocked.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8]
] as const)
  blocked.addSubnet(net, bits, 'ipv6')

/** True for an address a client's URL may not reach (IPv4-mapped IPv6 is judged as its IPv4). */
export function isInternalAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)
  if (mapped) return blocked.check(mapped[1] as string, 'ipv4')
  const family = isIP(bare)
  if (family === 0) return true // not an address at all: refuse rather than guess
  return blocked.check(bare, family === 4 ? 'ipv4' : 'ipv6')
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
