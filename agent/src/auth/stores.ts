/**
 * Interfaces of the auth data. Users, keys and settings are replicated (control plane, see
 * `control-user-store.ts` …); sessions are local to the node that issued them (the cookie is bound to
 * that node's origin anyway) and re-check the replicated user on every request.
 */
import type { ApiKeyRecord, UserRecord } from './records.js'

/** Whether a record id is live, deleted (tombstone), or not known here (yet). */
export type RecordState = 'live' | 'deleted' | 'unknown'

export interface UserStore {
  /** Live users, by username. */
  list(): UserRecord[]
  byUsername(username: string): UserRecord | undefined
  /** The live user with this incarnation id. */
  byId(id: string): UserRecord | undefined
  /** Live admins. */
  adminCount(): number
  /** Creates a user; throws ConflictError when the username is taken. */
  create(user: UserRecord): Promise<UserRecord>
  /** Replaces a live user's record. */
  put(user: UserRecord): Promise<UserRecord>
  delete(username: string): Promise<void>
  /** Writes the first admin as a bootstrap default; true when it took effect. */
  createDefault(user: UserRecord, createdAtMs: number): Promise<boolean>
}

export interface KeyStore {
  /** Live (not revoked) keys, expired ones included. */
  list(): ApiKeyRecord[]
  get(id: string): ApiKeyRecord | undefined
  state(id: string): RecordState
  /** Every entry ever written for `id` (tombstone or not). */
  exists(id: string): boolean
  create(key: ApiKeyRecord): Promise<ApiKeyRecord>
  revoke(id: string): Promise<void>
  /** Writes a bootstrap key as a default; true when it took effect. */
  createDefault(key: ApiKeyRecord, createdAtMs: number): Promise<boolean>
}

export interface SettingsStore {
  get(name: string): unknown
  list(): Record<string, unknown>
  set(name: string, value: unknown): Promise<void>
  delete(name: string): Promise<void>
}

/** A dashboard session. The token itself is never stored, only its hash (`id`). */
export interface Session {
  /** SHA-256 of the session token. */
  id: string
  userId: string
  username: string
  /** The user's `sessionEpoch` at sign-in; a password change ends older sessions. */
  epoch: number
  /** Sent back by the dashboard as `x-csrf-token` on writes. */
  csrfToken: string
  /** ms since epoch */
  createdAt: number
  /** ms since epoch: idle or absolute end, whichever is first */
  expiresAt: number
}

export interface SessionStore {
  /** Starts a session; returns the cookie token (shown once) and the session. */
  create(user: Pick<UserRecord, 'id' | 'username' | 'sessionEpoch'>): { token: string; session: Session }
  /** The live session of a cookie token (extends its idle deadline), or undefined. */
  get(token: string): Session | undefined
  /** Moves a session to a new epoch (after its own user changed the password). */
  setEpoch(token: string, epoch: number): void
  delete(token: string): void
  /** Ends every session of a user, except the one of `exceptToken`. */
  deleteForUser(userId: string, exceptToken?: string): void
}
