/**
 * What the account routes do, apart from HTTP: sign-in, password changes, user and key management,
 * with the rules that keep the cluster safe — a key never grants scopes its creator lacks, the last
 * admin cannot be removed or demoted, a user created by an admin must change the password at first
 * sign-in, and a password change ends the user's other sessions on every node.
 */
import { InvalidRequestError } from '../errors/errors.js'
import { ConflictError, NotFoundError, RateLimitedError, UnauthorizedError, ForbiddenError } from './auth-errors.js'
import type { AuthService } from './auth-service.js'
import type { CreateKeyBody } from './account-schemas.js'
import type { Identity } from './identity.js'
import { generatePassword, verifyPassword } from './password-hash.js'
import type { ApiKeyRecord, KeyOwner, UserRecord } from './records.js'
import type { Role } from './scopes.js'
import type { Session } from './stores.js'
import { newApiKey, randomId } from './tokens.js'

/** A hash no password matches, verified for unknown usernames so timing does not reveal which exist. */
let decoyHash: Promise<string> | undefined

/** Signs a user in; throws 401 (wrong credentials) or 429 (throttled). */
export async function login(auth: AuthService, username: string, password: string, address: string): Promise<{ token: string; session: Session; user: UserRecord }> {
  const wait = auth.loginThrottle.attempt(address, username)
  if (wait !== undefined) throw new RateLimitedError('Too many sign-in attempts; try again later', wait)
  const user = auth.users.byUsername(username)
  decoyHash ??= auth.hashPassword(generatePassword())
  const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash))
  if (!user || !ok) {
    auth.loginThrottle.failed(address, username)
    throw new UnauthorizedError('Wrong username or password')
  }
  auth.loginThrottle.succeeded(address, username)
  const { token, session } = auth.sessions.create(user)
  return { token, session, user }
}

/** Changes the signed-in user's own password; other sessions of the user end everywhere. */
export async function changeOwnPassword(auth: AuthService, identity: Identity, sessionToken: string | null, current: string, next: string): Promise<UserRecord> {
  const user = identity.id === undefined ? undefined : auth.users.byId(identity.id)
  if (!user) throw new UnauthorizedError()
  if (!(await verifyPassword(current, user.passwordHash))) throw new UnauthorizedError('The current password is wrong')
  if (current === next) throw new ConflictError('The new password must differ from the current one', 'newPassword')
  const updated: UserRecord = { ...user, passwordHash: await auth.hashPassword(next), mustChangePassword: false, sessionEpoch: user.sessionEpoch + 1, updatedAt: auth.now() }
  // this session lives on under the new epoch (moved first, so it never looks stale); every other one
  // ends: here at once, elsewhere because their epoch is now old
  if (sessionToken) auth.sessions.setEpoch(sessionToken, updated.sessionEpoch)
  await auth.users.put(updated)
  auth.sessions.deleteForUser(user.id, sessionToken ?? undefined)
  return updated
}

/** Finds a live user by id or username; throws 404. */
export function findUser(auth: AuthService, idOrName: string): UserRecord {
  const u = auth.users.byId(idOrName) ?? auth.users.byUsername(idOrName)
  if (!u) throw new NotFoundError(`The user '${idOrName}'`)
  return u
}

/** Creates a user who must change the password at first sign-in; returns the generated password if none was given. */
export async function createUser(auth: AuthService, input: { username: string; password?: string; role: Role }): Promise<{ user: UserRecord; password?: string }> {
  const password = input.password ?? generatePassword()
  const now = auth.now()
  const user: UserRecord = { id: randomId(), username: input.username, role: input.role, passwordHash: await auth.hashPassword(password), mustChangePassword: true, sessionEpoch: 0, createdAt: now, updatedAt: now }
  await auth.users.create(user)
  return input.password === undefined ? { user, password } : { user }
}

/** Changes a user's role and/or resets the password (the user must then change it). */
export async function updateUser(auth: AuthService, idOrName: string, patch: { role?: Role; password?: string }): Promise<UserRecord> {
  const user = findUser(auth, idOrName)
  if (patch.role === 'viewer' && user.role === 'admin' && auth.users.adminCount() <= 1) throw new ConflictError('The last admin cannot be demoted', 'role')
  const updated: UserRecord = { ...user, role: patch.role ?? user.role, updatedAt: auth.now() }
  if (patch.password !== undefined) {
    updated.passwordHash = await auth.hashPassword(patch.password)
    updated.mustChangePassword = true
    updated.sessionEpoch = user.sessionEpoch + 1
  }
  await auth.users.put(updated)
  return updated
}

/** Deletes a user: their sessions and keys stop working on every node as the tombstone spreads. */
export async function deleteUser(auth: AuthService, idOrName: string): Promise<void> {
  const user = findUser(auth, idOrName)
  if (user.role === 'admin' && auth.users.adminCount() <= 1) throw new ConflictError('The last admin cannot be deleted')
  await auth.users.delete(user.username)
  auth.sessions.deleteForUser(user.id)
}

/** Who owns keys made by `identity`. */
function ownerOf(auth: AuthService, identity: Identity): KeyOwner {
  if (identity.kind === 'user' && identity.id !== undefined) {
    const u = auth.users.byId(identity.id)
    if (u) return { type: 'user', username: u.username, userId: u.id }
  }
  if (identity.kind === 'api-key' && identity.id !== undefined) {
    const parent = auth.keys.get(identity.id)
    if (parent) return parent.owner
  }
  return { type: 'system', name: identity.kind === 'local-admin' ? 'cli' : identity.kind }
}

/** Mints a key; its scopes must be a subset of the creator's. Returns the record and the key (shown once). */
export async function createKey(auth: AuthService, identity: Identity, input: CreateKeyBody): Promise<{ record: ApiKeyRecord; key: string }> {
  const missing = input.scopes.filter((s) => !identity.scopes.includes(s))
  if (missing.length > 0) throw new ForbiddenError(`You cannot grant scopes you do not hold: ${missing.join(', ')}`)
  if (auth.keys.list().some((k) => k.name === input.name)) throw new ConflictError(`An API key named '${input.name}' exists`, 'name')
  const now = auth.now()
  const expiresAt =
    input.expiresAt !== undefined
      ? typeof input.expiresAt === 'number' ? input.expiresAt : Date.parse(input.expiresAt)
      : input.expiresInDays !== undefined ? now + input.expiresInDays * 86_400_000 : null
  if (expiresAt !== null && expiresAt <= now) throw new InvalidRequestError('The expiry must be in the future', input.expiresAt !== undefined ? 'expiresAt' : 'expiresInDays')
  const minted = newApiKey()
  const record: ApiKeyRecord = {
    id: minted.id,
    name: input.name,
    prefix: minted.prefix,
    hash: minted.hash,
    scopes: [...new Set(input.scopes)],
    owner: ownerOf(auth, identity),
    createdAt: now,
    expiresAt,
    ...(input.rateLimit ? { rateLimit: input.rateLimit } : {})
  }
  await auth.keys.create(record)
  return { record, key: minted.key }
}

/** Revokes a key by id or (unique) name. */
export async function revokeKey(auth: AuthService, idOrName: string): Promise<ApiKeyRecord> {
  const byId = auth.keys.get(idOrName)
  const byName = auth.keys.list().filter((k) => k.name === idOrName)
  if (!byId && byName.length > 1) throw new ConflictError(`Several API keys are named '${idOrName}'; revoke one by id`)
  const rec = byId ?? byName[0]
  if (!rec) throw new NotFoundError(`The API key '${idOrName}'`)
  await auth.keys.revoke(rec.id)
  return rec
}
