import { mkdtemp, rm, stat, writeFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidIdentityError } from '../../../mesh/src/errors.js'
import { loadOrCreateIdentity } from '../../../mesh/src/transport/identity.js'

let dir: string
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'llmlb-identity-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

describe('loadOrCreateIdentity', () => {
  it('creates an Ed25519 key (mode 0600, parent dirs created) and loads the same one later', async () => {
    const path = join(dir, 'nested', 'deeper', 'peer.key')
    const first = await loadOrCreateIdentity(path)
    expect(first.type).toBe('Ed25519')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const again = await loadOrCreateIdentity(path)
    expect(peerIdFromPrivateKey(again).toString()).toBe(peerIdFromPrivateKey(first).toString())
    expect(await readdir(join(dir, 'nested', 'deeper'))).toEqual(['peer.key'])
  })

  it('refuses a file that is not a key and leaves it untouched', async () => {
    const path = join(dir, 'garbage.key')
    await writeFile(path, 'not a key')
    await expect(loadOrCreateIdentity(path)).rejects.toBeInstanceOf(InvalidIdentityError)
    expect((await stat(path)).size).toBe(9)
  })
})
