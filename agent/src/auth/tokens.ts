/**
 * The secrets llmlb hands out — API keys, session tokens, the CLI's local admin token — and how they
 * are stored: only a SHA-256 of each (they are 256-bit random, so a fast hash is enough; no salt or
 * work factor is needed as it is for passwords). Comparisons are constant-time.
 *
 * API key format: `llmlb_<id>_<secret>`: the id locates the record without scanning, the 43-character
 * base64url secret carries 256 random bits.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Every API key starts with this (easy to spot in leaked-secret scanners). */
export const API_KEY_PREFIX = 'llmlb_'
/** The CLI's local admin token starts with this. */
export const LOCAL_TOKEN_PREFIX = 'llmlb-local_'
/** Characters of a key shown in listings (`llmlb_<id>_` plus 4 of the secret). */
const SHOWN_SECRET_CHARS = 4

const API_KEY_RE = /^llmlb_([a-z0-9]{1,32})_([A-Za-z0-9_-]{43})$/

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex')
}

/** Constant-time equality of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y)
}

/** 32 random bytes, base64url (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url')
}

/** A random record id: 16 lower-case hex characters. */
export function randomId(): string {
  return randomBytes(8).toString('hex')
}

export interface NewApiKey {
  id: string
  /** The key itself: shown once, never stored. */
  key: string
  hash: string
  prefix: string
}

/** Mints an API key with the given (or a random) id. */
export function newApiKey(id: string = randomId()): NewApiKey {
  const key = `${API_KEY_PREFIX}${id}_${randomSecret()}`
  return { id, key, hash: sha256Hex(key), prefix: key.slice(0, API_KEY_PREFIX.length + id.length + 1 + SHOWN_SECRET_CHARS) }
}

/** The id inside a well-formed API key, or undefined. */
export function apiKeyId(key: string): string | undefined {
  return API_KEY_RE.exec(key)?.[1]
}

/** A fresh local admin token. */
export function newLocalToken(): string {
  return `${LOCAL_TOKEN_PREFIX}${randomSecret()}`
}
