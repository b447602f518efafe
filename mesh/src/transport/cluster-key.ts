/**
 * Cluster keys: the libp2p private-network (pnet) pre-shared key. Every connection is wrapped in
 * XSalsa20 keyed by it before Noise runs, so a node with another key, or none, cannot complete a
 * handshake with the cluster (specs/protocols.md, "Cluster key").
 *
 * Text form (the pnet "swarm.key" file):
 *
 *   /key/swarm/psk/1.0.0/
 *   /base16/
 *   <64 hex characters = 32 key bytes>
 *
 * `parseClusterKey` also takes just the 64 hex characters, so `--cluster-key <hex>` works.
 */
import { createHash, randomBytes } from 'node:crypto'
import { InvalidClusterKeyError } from '../errors.js'

const HEADER = '/key/swarm/psk/1.0.0/\n/base16/\n'
const HEX_KEY = /^[0-9a-fA-F]{64}$/

/** A new random cluster key in pnet text form (95 bytes, no trailing newline). */
export function generateClusterKey(): string {
  return HEADER + randomBytes(32).toString('hex')
}

/** A parsed cluster key. */
export interface ParsedClusterKey {
  /** Canonical pnet key text as bytes: what `preSharedKey({ psk })` (and `Libp2pMeshInit.clusterKey`) takes. */
  key: Uint8Array
  /** The 32 key bytes as 64 lower-case hex characters: what a user passes to `--cluster-key` on another box. */
  hex: string
}

/**
 * Parses a cluster key given as the full pnet file text or as 64 hex characters. Whitespace around the
 * key and CRLF line endings are tolerated; hex case is normalised so equal keys give equal bytes.
 * Throws InvalidClusterKeyError.
 */
export function parseClusterKey(text: string | Uint8Array): ParsedClusterKey {
  const raw = typeof text === 'string' ? text : new TextDecoder().decode(text)
  const trimmed = raw.trim()
  let hex: string | undefined
  if (HEX_KEY.test(trimmed)) {
    hex = trimmed
  } else {
    const lines = trimmed.split(/\r\n|\r|\n/).map(l => l.trim())
    if (lines.length === 3 && lines[0] === '/key/swarm/psk/1.0.0/' && lines[1] === '/base16/' && HEX_KEY.test(lines[2] ?? '')) {
      hex = lines[2]
    }
  }
  if (hex === undefined) {
    throw new InvalidClusterKeyError('cluster key must be a pnet key file (/key/swarm/psk/1.0.0/, /base16/, 64 hex) or 64 hex characters')
  }
  const lower = hex.toLowerCase()
  return { key: new TextEncoder().encode(HEADER + lower), hex: lower }
}

/** Short, non-secret fingerprint of a key for logs: the first 8 hex characters of SHA-256 over its hex. */
export function clusterKeyFingerprint(key: ParsedClusterKey): string {
  return createHash('sha256').update(key.hex).digest('hex').slice(0, 8)
}
