/**
 * Turns a request's credential into an `Identity`, checking it against the replicated stores on every
 * request (no cached decision, so a revocation, deletion or demotion merged from any node applies to
 * the next request here). Credentials, in order:
 *
 * 1. `x-llmlb-internal` equal to this process's secret: a request a mesh peer sent (peer-api.ts); the
 *    caller in `x-llmlb-caller` is re-checked like a forwarded inference caller;
 * 2. `Authorization: Bearer <key>` or `x-api-key: <key>`: an API key, or the CLI's local admin token;
 * 3. the session cookie (with `x-csrf-token` checked for writes by the access policy).
 */
import { timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { ANONYMOUS, LOCAL_ADMIN_ID, type Identity, type IdentityVia } from './identity.js'
import { ROLE_SCOPES, SCOPES, isScope, type Scope } from './scopes.js'
import { apiKeyId, LOCAL_TOKEN_PREFIX, sameDigest, sha256Hex } from './tokens.js'
import type { ApiKeyRecord, UserRecord } from './records.js'
import type { KeyStore, SessionStore, UserStore } from './stores.js'

/** Header of the CSRF token on cookie-authenticated writes. */
export const CSRF_HEADER = 'x-csrf-token'

/** Shape of a caller a peer vouches for (mesh ForwardCaller); safeParsed, never trusted blindly. */
const CallerSchema = z.object({
  kind: z.enum(['anonymous', 'api-key', 'user']),
  id: z.string().max(256).optional(),
  scopes: z.array(z.string().max(64)).max(64).optional()
})

export interface AuthenticatorDeps {
  users: UserStore
  keys: KeyStore
  sessions: SessionStore
  /** `off`: every request is `open` (local development only). */
  mode: 'on' | 'off'
  /** Secret marking requests this process injects for a peer. */
  internalSecret: string
  /** SHA-256 (hex) of the CLI's local admin token, if one was issued. */
  localTokenHash: () => string | undefined
  /** clock (ms) */
  now: () => number
}

export interface RequestCredentials {
  method: string
  headers: Record<string, string | string[] | undefined>
  /** Value of the session cookie, if any. */
  sessionToken?: string
}

export interface Authenticated {
  identity: Identity
  /** A cookie session sent its CSRF token (meaningful for writes only). */
  csrfOk: boolean
}

const header = (h: RequestCredentials['headers'], name: string): string | undefined => {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

const invalid = (via: IdentityVia, why: string): Identity => ({ kind: 'anonymous', via, scopes: [], invalid: why })

export class Authenticator {
  constructor(private readonly d: AuthenticatorDeps) {}

  authenticate(req: RequestCredentials): Authenticated {
    const internal = header(req.headers, 'x-llmlb-internal')
    const fromMesh = internal !== undefined && sameText(internal, this.d.internalSecret)
    if (this.d.mode === 'off') return { identity: { kind: 'open', via: fromMesh ? 'mesh' : 'open', role: 'admin', scopes: SCOPES }, csrfOk: true }
    if (fromMesh) {
      let caller: unknown
      try {
        caller = JSON.parse(header(req.headers, 'x-llmlb-caller') ?? '{"kind":"anonymous"}')
      } catch {
        caller = undefined
      }
      return { identity: this.fromCaller(caller), csrfOk: true }
    }
    const auth = header(req.headers, 'authorization')
    const bearer = auth !== undefined ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] ?? '' : header(req.headers, 'x-api-key')
    if (bearer !== undefined) return { identity: this.fromBearer(bearer), csrfOk: true }
    if (req.sessionToken) return this.fromSession(req.sessionToken, header(req.headers, CSRF_HEADER))
    return { identity: ANONYMOUS, csrfOk: false }
  }

  /** The identity a mesh peer vouched for, re-checked against this node's replicated stores. */
  fromCaller(raw: unknown): Identity {
    if (this.d.mode === 'off') return { kind: 'open', via: 'mesh', role: 'admin', scopes: SCOPES }
    const c = CallerSchema.safeParse(raw)
    if (!c.success || c.data.kind === 'anonymous' || c.data.id === undefined) return { kind: 'anonymous', via: 'mesh', scopes: [] }
    const { kind, id } = c.data
    if (kind === 'user') {
      const u = this.d.users.byId(id)
      return u ? this.userIdentity(u, 'mesh') : invalid('mesh', 'The user of this request no longer exists')
    }
    const state = id === LOCAL_ADMIN_ID ? 'unknown' : this.d.keys.state(id)
    if (state === 'deleted') return invalid('mesh', 'The API key has been revoked')
    if (state === 'unknown') {
      // not replicated here yet (created a moment ago) or the peer's local admin: trust the member's word
      return { kind: 'api-key', via: 'mesh', id, scopes: (c.data.scopes ?? []).filter(isScope) }
    }
    const rec = this.d.keys.get(id)
    return rec ? this.keyIdentity(rec, 'mesh') : invalid('mesh', 'The API key has been revoked')
  }

  /** Re-derives an identity from the stores now (in-flight requests are re-checked on every change). */
  recheck(identity: Identity, sessionToken: string | undefined): Identity {
    if (identity.kind === 'open' || identity.kind === 'local-admin' || identity.kind === 'anonymous') return identity
    if (identity.via === 'session') return sessionToken ? this.fromSession(sessionToken, undefined, false).identity : invalid('session', 'Your session has ended')
    if (identity.kind === 'user') {
      const u = identity.id === undefined ? undefined : this.d.users.byId(identity.id)
      return u ? this.userIdentity(u, identity.via) : invalid(identity.via, 'The user no longer exists')
    }
    const rec = identity.id === undefined ? undefined : this.d.keys.get(identity.id)
    if (rec) return this.keyIdentity(rec, identity.via)
    return identity.via === 'mesh' && identity.id !== undefined && this.d.keys.state(identity.id) === 'unknown' ? identity : invalid(identity.via, 'The API key has been revoked')
  }

  private fromBearer(token: string): Identity {
    if (token.startsWith(LOCAL_TOKEN_PREFIX)) {
      const h = this.d.localTokenHash()
      return h !== undefined && sameDigest(sha256Hex(token), h) ? { kind: 'local-admin', via: 'bearer', id: LOCAL_ADMIN_ID, name: LOCAL_ADMIN_ID, scopes: SCOPES } : invalid('bearer', 'Invalid local admin token (it changes at every start of the node)')
    }
    const id = apiKeyId(token)
    const rec = id === undefined ? undefined : this.d.keys.get(id)
    if (!rec || !sameDigest(sha256Hex(token), rec.hash)) return invalid('bearer', id !== undefined && this.d.keys.state(id) === 'deleted' ? 'The API key has been revoked' : 'Invalid API key')
    return this.keyIdentity(rec, 'bearer')
  }

  /** `forget`: drop a session found invalid (not during a re-check, which must have no side effects). */
  private fromSession(token: string, csrf: string | undefined, forget = true): Authenticated {
    const s = this.d.sessions.get(token)
    if (!s) return { identity: invalid('session', 'Your session has ended; sign in again'), csrfOk: false }
    const u = this.d.users.byId(s.userId)
    // a session moves to epoch+1 just before its own user's password change is written (accounts.ts)
    if (!u || u.username !== s.username || (s.epoch !== u.sessionEpoch && s.epoch !== u.sessionEpoch + 1)) {
      if (forget) this.d.sessions.delete(token)
      return { identity: invalid('session', 'Your session has ended; sign in again'), csrfOk: false }
    }
    return { identity: this.userIdentity(u, 'session'), csrfOk: csrf !== undefined && sameText(csrf, s.csrfToken) }
  }

  private userIdentity(u: UserRecord, via: IdentityVia): Identity {
    return { kind: 'user', via, id: u.id, name: u.username, role: u.role, scopes: ROLE_SCOPES[u.role], mustChangePassword: u.mustChangePassword }
  }

  /** A key's identity: expired or orphaned keys are invalid; a user's key never exceeds the user's role. */
  private keyIdentity(rec: ApiKeyRecord, via: IdentityVia): Identity {
    if (rec.expiresAt !== null && this.d.now() >= rec.expiresAt) return invalid(via, 'The API key has expired')
    let scopes: readonly Scope[] = rec.scopes
    if (rec.owner.type === 'user') {
      const owner = this.d.users.byUsername(rec.owner.username)
      if (!owner || owner.id !== rec.owner.userId) return invalid(via, 'The owner of this API key no longer exists')
      const allowed = ROLE_SCOPES[owner.role]
      scopes = rec.scopes.filter((s) => allowed.includes(s))
    }
    return { kind: 'api-key', via, id: rec.id, name: rec.name, scopes }
  }
}
