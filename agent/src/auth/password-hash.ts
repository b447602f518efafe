/**
 * Password hashing with scrypt (node:crypto): memory-hard, salted, parameters stored with the hash so
 * they can be raised later without invalidating old hashes. Format: `scrypt$N$r$p$salt$hash`
 * (salt and hash base64url). Verification is constant-time.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number
  r: number
  p: number
}

/** ~50–100 ms and 32 MiB per hash on a small box: slow enough for offline guessing, fine for logins. */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 })
/** Derived key length (bytes). */
const KEY_LEN = 32
/** Salt length (bytes). */
const SALT_LEN = 16
/** Longest password accepted (characters); longer input is refused before hashing. */
export const MAX_PASSWORD_LENGTH = 1024
/** Shortest password accepted for new passwords (characters). */
export const MIN_PASSWORD_LENGTH = 8

function derive(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 }
  return new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))))
}

/** Hashes a password with fresh salt. */
export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_LEN)
  const key = await derive(password, salt, params)
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/** True when `password` matches `stored`; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt' || password.length > MAX_PASSWORD_LENGTH) return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return false
  const salt = Buffer.from(parts[4] ?? '', 'base64url')
  const expected = Buffer.from(parts[5] ?? '', 'base64url')
  if (expected.length !== KEY_LEN) return false
  const key = await derive(password, salt, { N, r, p })
  return timingSafeEqual(key, expected)
}

/** A random password for generated accounts: 24 characters, 144 bits. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url')
}
