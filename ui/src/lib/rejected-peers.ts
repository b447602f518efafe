/** Wording for nodes refused at the mesh handshake (GET /api/nodes `rejected`): found but not joined. */
import type { RejectedPeer } from '../api/types.js'

/** `/ip4/10.0.0.7/tcp/32769` → `10.0.0.7:32769`, `/ip6/fe80::1/tcp/1` → `[fe80::1]:1`, `/ip4/10.0.0.7` → `10.0.0.7`. */
export function rejectedAddressLabel(address: string): string {
  const m = /^\/(ip4|ip6|dns4|dns6|dns)\/([^/]+)(?:\/(?:tcp|udp)\/(\d+))?/.exec(address)
  if (!m) return address
  const [, kind, host, port] = m
  const h = kind === 'ip6' && port !== undefined ? `[${host}]` : (host ?? address)
  return port === undefined ? h : `${h}:${port}`
}

/** The agent's technical reason in a sentence a user can act on. */
export function explainRejection(reason: string): string {
  if (/private network|cluster key|closed during handshake/i.test(reason)) return 'Connection refused: different cluster key?'
  if (/noise/i.test(reason)) return 'Encryption handshake failed: different cluster key, or not an llmlb node?'
  return 'Connection refused during the handshake.'
}

/** How the node was met: we dialled it (mDNS, --peer), it dialled us, or both. */
export function rejectionDirection(direction: RejectedPeer['direction']): string {
  if (direction === 'outbound') return 'found by this node'
  if (direction === 'inbound') return 'tried to connect here'
  return 'found by this node, and tried to connect here'
}
