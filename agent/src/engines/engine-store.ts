/**
 * Engine registrations in LMDB, `<data-dir>/engines/` (not replicated: an engine belongs to its box).
 * An engine's API key is stored encrypted (AES-256-GCM) with a random secret kept next to the
 * database in `engine-secret.key` (mode 0600), so a copied database alone does not reveal it; it is
 * decrypted only to call the engine and never leaves this node.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { open, type Database, type RootDatabase } from 'lmdb'
import { EngineRecordSchema, type EngineRecord } from './schemas.js'

export interface EngineStore {
  list(): EngineRecord[]
  put(r: EngineRecord): Promise<void>
  remove(id: string): Promise<boolean>
  encrypt(secret: string): string
  decrypt(cipher: string): string
  close(): Promise<void>
}

export class LmdbEngineStore implements EngineStore {
  private constructor(
    private readonly root: RootDatabase,
    private readonly db: Database<unknown, string>,
    private readonly key: Buffer
  ) {}

  static async open(dataDir: string): Promise<LmdbEngineStore> {
    const dir = join(dataDir, 'engines')
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const keyPath = join(dir, 'engine-secret.key')
    let key = await readFile(keyPath).catch(() => undefined)
    if (!key || key.length !== 32) {
      key = randomBytes(32)
      await writeFile(keyPath, key, { mode: 0o600 })
    }
    const root = open({ path: join(dir, 'db'), maxDbs: 2 })
    return new LmdbEngineStore(root, root.openDB<unknown, string>({ name: 'engines' }), key)
  }

  list(): EngineRecord[] {
    const out: EngineRecord[] = []
    for (const { value } of this.db.getRange()) {
      const r = EngineRecordSchema.safeParse(value)
      if (r.success) out.push(r.data)
    }
    return out.sort((a, b) => a.addedAt - b.addedAt)
  }

  async put(r: EngineRecord): Promise<void> {
    await this.db.put(r.id, r)
  }

  async remove(id: string): Promise<boolean> {
    return this.db.remove(id)
  }

  encrypt(secret: string): string {
    const iv = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', this.key, iv)
    const data = Buffer.concat([c.update(secret, 'utf8'), c.final()])
    return [iv, c.getAuthTag(), data].map((b) => b.toString('base64url')).join('.')
  }

  decrypt(cipher: string): string {
    const [iv = '', tag = '', data = ''] = cipher.split('.')
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'))
    d.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8')
  }

  async close(): Promise<void> {
    await this.root.close()
  }
}
