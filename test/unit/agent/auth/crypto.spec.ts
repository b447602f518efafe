import { describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from '../../../../agent/src/auth/password-hash.js'
import { apiKeyId, newApiKey, newLocalToken, sameDigest, sha256Hex } from '../../../../agent/src/auth/tokens.js'

const FAST = { N: 2 ** 10, r: 8, p: 1 }

describe('password hashing (scrypt)', () => {
  it('verifies the right password only, and salts every hash', async () => {
    const h1 = await hashPassword('correct horse', FAST)
    const h2 = await hashPassword('correct horse', FAST)
    expect(h1).toMatch(/^scrypt\$1024\$8\$1\$/)
    expect(h1).not.toBe(h2)
    expect(h1).not.toContain('correct')
    expect(await verifyPassword('correct horse', h1)).toBe(true)
    expect(await verifyPassword('correct horsf', h1)).toBe(false)
  })

  it('rejects malformed hashes and absurd parameters instead of throwing', async () => {
    expect(await verifyPassword('x', 'plain')).toBe(false)
    expect(await verifyPassword('x', 'scrypt$1073741824$8$1$AAAA$AAAA')).toBe(false)
    expect(await verifyPassword('x', 'scrypt$1024$8$1$AAAA$short')).toBe(false)
  })
})

describe('API keys and tokens', () => {
  it('carry their id, are stored as a SHA-256 only, and show a short prefix', () => {
    const k = newApiKey()
    expect(k.key).toMatch(/^llmlb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/)
    expect(apiKeyId(k.key)).toBe(k.id)
    expect(k.hash).toBe(sha256Hex(k.key))
    expect(k.key.startsWith(k.prefix)).toBe(true)
    expect(k.key.length - k.prefix.length).toBeGreaterThanOrEqual(39)
    expect(newApiKey('initial').key).toMatch(/^llmlb_initial_/)
  })

  it('parses only well-formed keys', () => {
    expect(apiKeyId('llmlb_abc_short')).toBeUndefined()
    expect(apiKeyId('sk-something')).toBeUndefined()
    expect(apiKeyId(newLocalToken())).toBeUndefined()
  })

  it('compares digests in constant time and never equal on empty input', () => {
    expect(sameDigest(sha256Hex('a'), sha256Hex('a'))).toBe(true)
    expect(sameDigest(sha256Hex('a'), sha256Hex('b'))).toBe(false)
    expect(sameDigest('', '')).toBe(false)
  })
})
