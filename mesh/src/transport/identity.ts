/**
 * Persistent node identity: an Ed25519 private key, protobuf-marshalled (the libp2p key format), in a
 * file readable only by its owner (mode 0600). The peer id derives from it, so it survives restarts and
 * peers recognise a restarted node as the same member.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { InvalidIdentityError } from '../errors.js'
import type { PrivateKey } from '@libp2p/interface'

/**
 * Reads the private key at `path`, or creates one there (and the parent directory, mode 0700) when the
 * file does not exist. A file that exists but cannot be decoded throws InvalidIdentityError: it is never
 * overwritten, since that would silently change the node's identity.
 */
export async function loadOrCreateIdentity(path: string): Promise<PrivateKey> {
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (bytes !== undefined) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new InvalidIdentityError(`identity file ${path} does not hold a libp2p private key`, { cause: err })
    }
  }
  const key = await generateKeyPair('Ed25519')
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  // Write-then-rename so a crash never leaves a truncated identity; 'wx' refuses to follow a planted file.
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  return key
}
