/**
 * Which addresses an outbound request may reach. Pure: a function of the address and the allow-list,
 * unit-tested without a network. Every outbound call checks the address it actually connects to (see
 * outbound.ts), so a hostname cannot smuggle a blocked address in through DNS.
 *
 * Blocked unless allowed: loopback, private ranges (RFC 1918, unique-local IPv6, carrier-grade NAT),
 * link-local, unspecified, multicast and reserved ranges. Cloud metadata addresses are blocked even
 * when a range that contains them is allowed: no engine lives there, and a key for the whole cloud
 * account does.
 */
import { BlockList, isIP } from 'node:net'

/** The ranges an allow-list may name instead of a CIDR. */
export const ADDRESS_CLASSES = ['loopback', 'private', 'link-local'] as const
export type AddressClass = (typeof ADDRESS_CLASSES)[number] | 'metadata' | 'reserved' | 'public'

type Range = readonly [string, number, 'ipv4' | 'ipv6']

/** Instance metadata services: AWS, GCP, Azure, OpenStack (169.254.169.254), AWS over IPv6, Alibaba, Oracle. */
const METADATA: readonly string[] = ['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192']

const RANGES: Readonly<Record<Exclude<AddressClass, 'public' | 'metadata'>, readonly Range[]>> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6']
  ],
  private: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['100.64.0.0', 10, 'ipv4'],
    ['fc00::', 7, 'ipv6']
  ],
  'link-local': [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6']
  ],
  reserved: [
    ['0.0.0.0', 8, 'ipv4'],
    ['192.0.0.0', 24, 'ipv4'],
    ['192.0.2.0', 24, 'ipv4'],
    ['198.18.0.0', 15, 'ipv4'],
    ['198.51.100.0', 24, 'ipv4'],
    ['203.0.113.0', 24, 'ipv4'],
    ['224.0.0.0', 4, 'ipv4'],
    ['240.0.0.0', 4, 'ipv4'],
    ['::', 128, 'ipv6'],
    ['ff00::', 8, 'ipv6'],
    ['64:ff9b::', 96, 'ipv6'],
    ['2001:db8::', 32, 'ipv6']
  ]
}

function blockListOf(ranges: readonly Range[]): BlockList {
  const list = new BlockList()
  for (const [net, prefix, type] of ranges) list.addSubnet(net, prefix, type)
  return list
}

const CLASS_LISTS = Object.fromEntries(Object.entries(RANGES).map(([k, v]) => [k, blockListOf(v)])) as Record<keyof typeof RANGES, BlockList>

/** An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is the IPv4 address it carries. */
export function normalizeAddress(address: string): string {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a)
  if (mapped?.[1]) return mapped[1]
  // `::ffff:7f00:1` (the hex form of a mapped address)
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a)
  if (hex?.[1] && hex[2]) {
    const hi = Number.parseInt(hex[1], 16)
    const lo = Number.parseInt(hex[2], 16)
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
  }
  return a
}

const typeOf = (a: string): 'ipv4' | 'ipv6' => (isIP(a) === 6 ? 'ipv6' : 'ipv4')

/** The class of an IP address (throws on something that is not one). */
export function classify(address: string): AddressClass {
  const a = normalizeAddress(address)
  if (isIP(a) === 0) throw new Error(`not an IP address: ${address}`)
  if (METADATA.includes(a)) return 'metadata'
  for (const k of Object.keys(CLASS_LISTS) as (keyof typeof RANGES)[]) if (CLASS_LISTS[k].check(a, typeOf(a))) return k
  return 'public'
}

/**
 * An allow-list: class names (`loopback`, `private`, `link-local`) and CIDRs (`192.168.1.0/24`,
 * `10.0.0.7`, `fd12::/64`). Built once, checked per connection.
 */
export class AddressPolicy {
  private readonly classes: ReadonlySet<string>
  private readonly cidrs = new BlockList()

  constructor(readonly allow: readonly string[] = []) {
    const classes = new Set<string>()
    for (const entry of allow) {
      if ((ADDRESS_CLASSES as readonly string[]).includes(entry)) classes.add(entry)
      else {
        const [net = '', bits] = entry.split('/')
        const a = normalizeAddress(net)
        if (isIP(a) === 0) throw new Error(`not an address class, IP or CIDR: ${entry}`)
        const max = isIP(a) === 4 ? 32 : 128
        const prefix = bits === undefined ? max : Number(bits)
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`bad prefix length in ${entry}`)
        this.cidrs.addSubnet(a, prefix, typeOf(a))
      }
    }
    this.classes = classes
  }

  /** Why `address` is refused, or undefined when it may be reached. */
  refusal(address: string): string | undefined {
    const a = normalizeAddress(address)
    const cls = classify(a)
    if (cls === 'public') return undefined
    if (cls === 'metadata') return `${a} is a cloud metadata address`
    if (this.classes.has(cls) || this.cidrs.check(a, typeOf(a))) return undefined
    return `${a} is a ${cls} address, not in the allow-list`
  }
}

/**
 * The class a URL's host is in when it is a blocked one given as an IP literal or `localhost` (an
 * address the operator configured on purpose, e.g. a local hub mirror), else undefined.
 */
export function configuredClassOf(url: string): (typeof ADDRESS_CLASSES)[number] | undefined {
  let host: string
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return undefined
  }
  if (host === 'localhost') return 'loopback'
  if (isIP(host) === 0) return undefined
  const cls = classify(host)
  return (ADDRESS_CLASSES as readonly string[]).includes(cls) ? (cls as (typeof ADDRESS_CLASSES)[number]) : undefined
}

/**
 * The allow-list entry that lets a URL the operator configured (a cloud provider's base URL) reach its
 * own host when that is a blocked address given literally: the address itself (`/32`, `/128`), or
 * `loopback` for `localhost`. Undefined for a name or a public address (a name that resolves into a
 * blocked range needs `outbound.allow`), and never for a metadata address.
 */
export function configuredAllowOf(url: string): string | undefined {
  const cls = configuredClassOf(url)
  if (!cls) return undefined
  const host = normalizeAddress(new URL(url).hostname)
  if (host === 'localhost') return 'loopback'
  return `${host}/${isIP(host) === 4 ? 32 : 128}`
}

/** True when `entry` is a valid allow-list entry (for config validation). */
export function isAllowEntry(entry: string): boolean {
  try {
    new AddressPolicy([entry])
    return true
  } catch {
    return false
  }
}
