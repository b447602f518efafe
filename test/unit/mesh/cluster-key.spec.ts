import { preSharedKey } from '@libp2p/pnet'
import { describe, expect, it } from 'vitest'
import { InvalidClusterKeyError } from '../../../mesh/src/errors.js'
import { clusterKeyFingerprint, generateClusterKey, parseClusterKey } from '../../../mesh/src/transport/cluster-key.js'

const dec = new TextDecoder()

describe('cluster key', () => {
  it('generates pnet key text that libp2p accepts, different every time', () => {
    const key = generateClusterKey()
    expect(key).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    expect(generateClusterKey()).not.toBe(key)
    expect(() => preSharedKey({ psk: parseClusterKey(key).key })()).not.toThrow()
  })

  it('parses the file text and the bare hex to the same canonical key', () => {
    const text = generateClusterKey()
    const fromText = parseClusterKey(text)
    const fromHex = parseClusterKey(fromText.hex)
    expect(fromHex).toEqual(fromText)
    expect(dec.decode(fromText.key)).toBe(text)
    expect(fromText.hex).toHaveLength(64)
    expect(parseClusterKey(new TextEncoder().encode(text))).toEqual(fromText)
  })

  it('tolerates surrounding whitespace, CRLF and upper-case hex', () => {
    const { hex, key } = parseClusterKey(generateClusterKey())
    expect(parseClusterKey(`  ${hex.toUpperCase()}\n`).key).toEqual(key)
    expect(parseClusterKey(`/key/swarm/psk/1.0.0/\r\n/base16/\r\n${hex}\r\n`).key).toEqual(key)
  })

  it('rejects anything else', () => {
    const { hex } = parseClusterKey(generateClusterKey())
    for (const bad of ['', 'secret', hex.slice(1), `${hex}0`, hex.replace(/./, 'g'), `/key/swarm/psk/1.0.0/\n/base64/\n${hex}`, `/base16/\n${hex}`]) {
      expect(() => parseClusterKey(bad), bad).toThrow(InvalidClusterKeyError)
    }
  })

  it('fingerprints without revealing the key', () => {
    const key = parseClusterKey(generateClusterKey())
    const fp = clusterKeyFingerprint(key)
    expect(fp).toMatch(/^[0-9a-f]{8}$/)
    expect(key.hex).not.toContain(fp)
    expect(clusterKeyFingerprint(parseClusterKey(key.hex))).toBe(fp)
  })
})
