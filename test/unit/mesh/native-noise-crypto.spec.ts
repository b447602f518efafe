/**
 * Noise's transport cipher through libsodium against @libp2p/noise's own default: the same ciphertext
 * for the same key, nonce and data (so a node talks to any Noise peer), each decrypts the other's,
 * a message split into a list encrypts as the whole, decryption in place, and a changed byte or a
 * wrong nonce fails instead of yielding plaintext.
 */
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultCrypto } from '@libp2p/noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { nativeNoiseCrypto } from '../../../mesh/src/transport/native-noise-crypto.js'

const key = randomBytes(32)
const ad = new Uint8Array(0)
const nonceOf = (n: number): Uint8Array => {
  const b = Buffer.alloc(12)
  b.writeUInt32LE(n, 4)
  return b
}
const bytes = (b: Uint8Array | Uint8ArrayList): Buffer => Buffer.from(b instanceof Uint8Array ? b : b.subarray())

describe('native Noise cipher', () => {
  it('matches the default byte for byte, and each side decrypts the other', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), fc.nat(1_000_000), (plain, n) => {
        const nonce = nonceOf(n)
        const ours = bytes(nativeNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, key))
        const theirs = bytes(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, key))
        expect(ours.equals(theirs)).toBe(true)
        expect(bytes(defaultCrypto.chaCha20Poly1305Decrypt(ours, nonce, ad, key)).equals(Buffer.from(plain))).toBe(true)
        expect(bytes(nativeNoiseCrypto.chaCha20Poly1305Decrypt(theirs, nonce, ad, key)).equals(Buffer.from(plain))).toBe(true)
      }),
      { numRuns: 60 }
    )
  })

  it('a list encrypts as its concatenation, and decryption into the ciphertext itself works', () => {
    const a = randomBytes(700)
    const b = randomBytes(3000)
    const nonce = nonceOf(7)
    const sealed = bytes(nativeNoiseCrypto.chaCha20Poly1305Encrypt(new Uint8ArrayList(a, b), nonce, ad, key))
    expect(sealed.equals(bytes(defaultCrypto.chaCha20Poly1305Encrypt(Buffer.concat([a, b]), nonce, ad, key)))).toBe(true)
    const inPlace = sealed.subarray(0, sealed.byteLength - 16)
    const opened = nativeNoiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, key, inPlace) as Uint8Array
    expect(opened.buffer).toBe(sealed.buffer)
    expect(Buffer.from(opened).equals(Buffer.concat([a, b]))).toBe(true)
  })

  it('a changed byte, a wrong nonce or a short message is an error, never plaintext', () => {
    const plain = randomBytes(100)
    const sealed = bytes(nativeNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonceOf(1), ad, key))
    const flipped = Buffer.from(sealed)
    flipped[10] = (flipped[10] as number) ^ 1
    expect(() => nativeNoiseCrypto.chaCha20Poly1305Decrypt(flipped, nonceOf(1), ad, key)).toThrow(/Invalid chacha20poly1305/)
    expect(() => nativeNoiseCrypto.chaCha20Poly1305Decrypt(sealed, nonceOf(2), ad, key)).toThrow(/Invalid chacha20poly1305/)
    expect(() => nativeNoiseCrypto.chaCha20Poly1305Decrypt(sealed.subarray(0, 10), nonceOf(1), ad, key)).toThrow(/Invalid chacha20poly1305/)
  })
})
