/** `KeyStore` over the replicated control map: `apikey/<id>` → ApiKeyRecord; revocation is a tombstone. */
import type { Logger } from 'pino'
import type { ControlStore } from '../control-plane/control-store.js'
import { NotFoundError } from './auth-errors.js'
import { ApiKeyRecordSchema, KEY_PREFIX, type ApiKeyRecord } from './records.js'
import type { KeyStore, RecordState } from './stores.js'

export class ControlKeyStore implements KeyStore {
  constructor(private readonly store: ControlStore, private readonly log: Logger) {}

  list(): ApiKeyRecord[] {
    const out: ApiKeyRecord[] = []
    for (const e of this.store.list(KEY_PREFIX)) {
      const r = this.parse(e.k, e.v)
      if (r) out.push(r)
    }
    return out
  }

  get(id: string): ApiKeyRecord | undefined {
    const e = this.store.entry(KEY_PREFIX + id)
    return e === undefined ? undefined : this.parse(e.k, e.v)
  }

  state(id: string): RecordState {
    const e = this.store.entry(KEY_PREFIX + id)
    if (e === undefined) return 'unknown'
    return e.v === null || this.parse(e.k, e.v) === undefined ? 'deleted' : 'live'
  }

  exists(id: string): boolean {
    return this.store.entry(KEY_PREFIX + id) !== undefined
  }

  async create(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    await this.store.set(KEY_PREFIX + key.id, ApiKeyRecordSchema.parse(key))
    return key
  }

  async revoke(id: string): Promise<void> {
    if (this.state(id) !== 'live') throw new NotFoundError(`The API key '${id}'`)
    await this.store.delete(KEY_PREFIX + id)
  }

  async createDefault(key: ApiKeyRecord, createdAtMs: number): Promise<boolean> {
    return (await this.store.setDefault(KEY_PREFIX + key.id, ApiKeyRecordSchema.parse(key), createdAtMs)) !== undefined
  }

  private parse(k: string, v: unknown): ApiKeyRecord | undefined {
    if (v === null) return undefined
    const r = ApiKeyRecordSchema.safeParse(v)
    if (r.success && KEY_PREFIX + r.data.id === k) return r.data
    this.log.warn({ key: k }, 'malformed API key record ignored')
    return undefined
  }
}
