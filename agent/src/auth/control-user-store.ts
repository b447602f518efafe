/** `UserStore` over the replicated control map: `user/<username>` → UserRecord. */
import type { Logger } from 'pino'
import type { ControlStore } from '../control-plane/control-store.js'
import { ConflictError, NotFoundError } from './auth-errors.js'
import { USER_PREFIX, UserRecordSchema, type UserRecord } from './records.js'
import type { UserStore } from './stores.js'

export class ControlUserStore implements UserStore {
  private cache?: { byName: Map<string, UserRecord>; byId: Map<string, UserRecord> }

  constructor(private readonly store: ControlStore, private readonly log: Logger) {
    // the index is rebuilt lazily after any change to a user entry
    store.onChange((entries) => {
      if (entries.some((e) => e.k.startsWith(USER_PREFIX))) this.cache = undefined
    })
  }

  list(): UserRecord[] {
    return [...this.index().byName.values()]
  }

  byUsername(username: string): UserRecord | undefined {
    return this.index().byName.get(username.toLowerCase())
  }

  byId(id: string): UserRecord | undefined {
    return this.index().byId.get(id)
  }

  adminCount(): number {
    return this.list().filter((u) => u.role === 'admin').length
  }

  async create(user: UserRecord): Promise<UserRecord> {
    if (this.byUsername(user.username)) throw new ConflictError(`The username '${user.username}' is taken`, 'username')
    await this.store.set(USER_PREFIX + user.username, UserRecordSchema.parse(user))
    return user
  }

  async put(user: UserRecord): Promise<UserRecord> {
    if (!this.byUsername(user.username)) throw new NotFoundError(`The user '${user.username}'`)
    await this.store.set(USER_PREFIX + user.username, UserRecordSchema.parse(user))
    return user
  }

  async delete(username: string): Promise<void> {
    if (!this.byUsername(username)) throw new NotFoundError(`The user '${username}'`)
    await this.store.delete(USER_PREFIX + username.toLowerCase())
  }

  async createDefault(user: UserRecord, createdAtMs: number): Promise<boolean> {
    return (await this.store.setDefault(USER_PREFIX + user.username, UserRecordSchema.parse(user), createdAtMs)) !== undefined
  }

  private index(): { byName: Map<string, UserRecord>; byId: Map<string, UserRecord> } {
    if (this.cache) return this.cache
    const byName = new Map<string, UserRecord>()
    const byId = new Map<string, UserRecord>()
    for (const e of this.store.list(USER_PREFIX)) {
      if (e.v === null) continue
      const r = UserRecordSchema.safeParse(e.v)
      if (!r.success || USER_PREFIX + r.data.username !== e.k) {
        this.log.warn({ key: e.k }, 'malformed user record ignored')
        continue
      }
      byName.set(r.data.username, r.data)
      byId.set(r.data.id, r.data)
    }
    this.cache = { byName, byId }
    return this.cache
  }
}
