/**
 * Nodes that tried to join and were refused: their connection failed the private-network (cluster
 * key) or Noise handshake, as the mesh reports with `peer:rejected`. GET /api/nodes lists them as
 * `rejected` so the dashboard can show "found but not joined (different cluster key?)".
 *
 * One entry per remote node, as well as an address can tell: a node we dialled (mDNS, `--peer`) by its
 * listen address `host:port`; a node that dialled us by its host alone, because its source port is
 * ephemeral and changes with every redial. When a host has exactly one dialled address, the attempts
 * it made towards us are folded into that entry (the usual case: both sides found each other by mDNS).
 * Bounded (least recently seen dropped first) and forgotten REJECTED_TTL_MS after the last attempt.
 * No DOM or Node imports: the dashboard imports the types.
 */

/** An entry is forgotten this long after its last attempt (ms). */
export const REJECTED_TTL_MS = 60_000
/** At most this many entries are kept. */
export const REJECTED_MAX_ENTRIES = 64
/** Reasons longer than this are cut. */
const MAX_REASON_CHARS = 300

export type RejectionDirection = 'inbound' | 'outbound'

/** One entry of GET /api/nodes `rejected`. */
export interface RejectedPeer {
  /** Multiaddr without `/p2p/…`: `/ip4/H/tcp/P` for a node we dialled, `/ip4/H` for one that dialled us. */
  address: string
  /** Why the latest attempt failed. */
  reason: string
  /** Who dialled: we did (`outbound`), it did (`inbound`), or both. */
  direction: RejectionDirection | 'both'
  /** Failed handshakes remembered for this entry. */
  attempts: number
  /** Epoch ms of the first of them. */
  first_seen: number
  last_seen_ms_ago: number
}

interface Entry {
  address: string
  /** Host part (`/ip4/H`), for folding inbound attempts into a dialled address of the same host. */
  host: string
  direction: RejectionDirection
  reason: string
  attempts: number
  firstSeen: number
  lastSeen: number
}

export interface RejectedPeersOptions {
  now?: () => number
  ttlMs?: number
  maxEntries?: number
}

export class RejectedPeers {
  private readonly entries = new Map<string, Entry>()
  private readonly now: () => number
  private readonly ttlMs: number
  private readonly maxEntries: number

  constructor(options: RejectedPeersOptions = {}) {
    this.now = options.now ?? Date.now
    this.ttlMs = options.ttlMs ?? REJECTED_TTL_MS
    this.maxEntries = options.maxEntries ?? REJECTED_MAX_ENTRIES
  }

  /**
   * Records one failed handshake. Without a direction, an address with `/p2p/<id>` counts as one we
   * dialled and any other as an inbound one (grouped by host, so ephemeral ports cannot flood the list).
   */
  record(address: string, reason: string, direction?: RejectionDirection): void {
    const now = this.now()
    this.prune(now)
    const stripped = stripPeerId(address)
    const dir = direction ?? (stripped === address ? 'inbound' : 'outbound')
    const host = hostOf(stripped)
    const shown = dir === 'inbound' ? host : stripped
    const key = `${dir} ${shown}`
    const prev = this.entries.get(key)
    this.entries.delete(key)
    this.entries.set(key, {
      address: shown,
      host,
      direction: dir,
      reason: reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason,
      attempts: (prev?.attempts ?? 0) + 1,
      firstSeen: prev?.firstSeen ?? now,
      lastSeen: now
    })
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest === undefined) break
      this.entries.delete(oldest)
    }
  }

  /** The current entries, most recently seen first. */
  list(now: number = this.now()): RejectedPeer[] {
    this.prune(now)
    const all = [...this.entries.values()]
    const dialled = new Map<string, Entry[]>()
    for (const e of all) if (e.direction === 'outbound') dialled.set(e.host, [...(dialled.get(e.host) ?? []), e])
    const out = new Map<Entry, RejectedPeer>()
    for (const e of all) if (e.direction === 'outbound') out.set(e, view(e, now))
    for (const e of all) {
      if (e.direction !== 'inbound') continue
      const same = dialled.get(e.host)
      const target = same?.length === 1 && same[0] !== undefined ? out.get(same[0]) : undefined
      if (target === undefined) {
        out.set(e, view(e, now))
        continue
      }
      target.direction = 'both'
      target.attempts += e.attempts
      target.first_seen = Math.min(target.first_seen, e.firstSeen)
      const ago = Math.max(0, now - e.lastSeen)
      if (ago < target.last_seen_ms_ago) {
        target.last_seen_ms_ago = ago
        target.reason = e.reason
      }
    }
    return [...out.values()].sort((a, b) => a.last_seen_ms_ago - b.last_seen_ms_ago || a.address.localeCompare(b.address))
  }

  private prune(now: number): void {
    for (const [key, e] of this.entries) if (now - e.lastSeen >= this.ttlMs) this.entries.delete(key)
  }
}

function view(e: Entry, now: number): RejectedPeer {
  return { address: e.address, reason: e.reason, direction: e.direction, attempts: e.attempts, first_seen: e.firstSeen, last_seen_ms_ago: Math.max(0, now - e.lastSeen) }
}

/** `/ip4/H/tcp/P/p2p/<id>` → `/ip4/H/tcp/P`. */
function stripPeerId(address: string): string {
  const at = address.search(/\/(p2p|ipfs)\//)
  return at > 0 ? address.slice(0, at) : address
}

/** `/ip4/H/tcp/P` → `/ip4/H`; anything that is not a multiaddr stays as it is. */
function hostOf(address: string): string {
  const parts = address.split('/')
  return address.startsWith('/') && parts.length >= 3 ? `/${parts[1]}/${parts[2]}` : address
}
