/**
 * Provider keys in the replicated control plane are sealed, never in clear: AES-256-GCM under a key
 * derived from the cluster key with HKDF-SHA256 (a purpose-bound sub-key, so the pnet key itself is
 * never used for anything else). The entry's name is the associated data: a sealed value copied under
 * another provider's entry does not open.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const INFO = 'llmlb cloud provider keys v1'
const SALT = 'llmlb-control-plane'
const IV_BYTES = 12
const TAG_BYTES = 16

/** Derives the sealing key from the cluster key's raw bytes. */
export function sealingKey(clusterSecret: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', clusterSecret, SALT, INFO, 32))
}

/** `base64(iv | tag | ciphertext)` of `plain`, bound to `aad`. */
export function seal(key: Buffer, plain: string, aad: string): string {
  const iv = randomBytes(IV_BYTES)
  const c = createCipheriv('aes-256-gcm', key, iv)
  c.setAAD(Buffer.from(aad))
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()])
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')
}

/** Opens a sealed value; undefined when it was sealed under another key or altered. */
export function open(key: Buffer, sealed: string, aad: string): string | undefined {
  const raw = Buffer.from(sealed, 'base64')
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined
  try {
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES))
    d.setAAD(Buffer.from(aad))
    d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
    return Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]).toString('utf8')
  } catch {
    return undefined
  }
}

/** What the API and dashboard show of a key: its last four characters. */
export const maskKey = (key: string): string => (key.length > 12 ? `…${key.slice(-4)}` : '…')
