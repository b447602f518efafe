/**
 * Noise's transport cipher (ChaCha20-Poly1305, IETF: 12-byte nonce, 16-byte tag) through libsodium
 * (`sodium-native`, already the cluster key's cipher: native-pnet.ts), the rest of Noise's crypto as
 * @libp2p/noise's Node default. The default builds an OpenSSL cipher object per message for anything
 * over 1200 bytes (and runs WebAssembly below that): in a profile of the mesh tunnel's echo loop that
 * object and its `update` took ~7 % of the busy time. The construction is the same, so a node with this
 * cipher talks to any Noise peer (a test checks both against each other).
 */
import { createRequire } from 'node:module'
import type { ICryptoInterface } from '@libp2p/noise'
import { defaultCrypto } from '@libp2p/noise/crypto'
import type { Uint8ArrayList } from 'uint8arraylist'

/** The AEAD calls of sodium-native used here. */
interface SodiumAead {
  crypto_aead_chacha20poly1305_ietf_ABYTES: number
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number
  /** Throws when the tag does not verify. `m` may be `c` itself (in place). */
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number
}

const sodium = createRequire(import.meta.url)('sodium-native') as SodiumAead
const TAG_BYTES = sodium.crypto_aead_chacha20poly1305_ietf_ABYTES

const contiguous = (b: Uint8Array | Uint8ArrayList): Uint8Array => (b instanceof Uint8Array ? b : b.subarray())

export const nativeNoiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt(plaintext, nonce, ad, k) {
    const m = contiguous(plaintext)
    const out = Buffer.allocUnsafe(m.byteLength + TAG_BYTES)
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, m, ad, null, nonce, k)
    return out
  },
  chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst) {
    const c = contiguous(ciphertext)
    const length = c.byteLength - TAG_BYTES
    if (length < 0) throw new Error('Invalid chacha20poly1305 decryption: shorter than its tag')
    // Noise hands the ciphertext's own start as `dst` (decrypt in place), which libsodium allows
    const out = dst !== undefined && dst.byteLength >= length && dst.byteOffset === c.byteOffset && dst.buffer === c.buffer ? dst.subarray(0, length) : Buffer.allocUnsafe(length)
    try {
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, c, ad, nonce, k)
    } catch {
      throw new Error('Invalid chacha20poly1305 decryption')
    }
    return out
  }
}
