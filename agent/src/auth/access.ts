/**
 * The requirement every route declares in its definition, `config: { access }`:
 *
 * - `'public'`: anyone (health, readiness, dashboard files, login);
 * - `{ scope }`: a credential holding that scope (an API key with it, or a user whose role grants it);
 * - `{ role }`: a signed-in dashboard user of that role (`viewer`: any user; `admin`: admins only);
 *   `pendingPassword: true` lets a user who must still change the password through (me, logout, password);
 * - `'mesh'`: only requests a peer sent through the mesh (internal routes such as the control sync).
 *
 * `decideAccess` is the whole policy as one pure function, so the route × credential matrix test
 * and the request hook cannot disagree.
 */
import type { Identity } from './identity.js'
import { isScope, type Role, type Scope } from './scopes.js'

export type Access = 'public' | 'mesh' | { scope: Scope } | { role: Role; pendingPassword?: boolean }

/** Why a request was refused; maps to an error class (401/403). */
export type Denial = 'unauthenticated' | 'forbidden' | 'password_change_required' | 'csrf'

/** Methods that change state; cookie-authenticated ones need the CSRF token. */
export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Decides one request. `csrfOk` says whether a cookie session presented a valid CSRF token (ignored for
 * other credentials and for reads). Returns undefined when allowed.
 */
export function decideAccess(access: Access, identity: Identity, method: string, csrfOk: boolean): Denial | undefined {
  if (access === 'public') return undefined
  if (access === 'mesh') return identity.via === 'mesh' ? undefined : 'forbidden'
  if (identity.kind === 'anonymous') return 'unauthenticated'
  if (identity.via === 'session' && WRITE_METHODS.has(method.toUpperCase()) && !csrfOk) return 'csrf'
  if ('role' in access) {
    if (identity.kind !== 'user' && identity.kind !== 'open') return 'forbidden'
    if (access.role === 'admin' && identity.role !== 'admin') return 'forbidden'
    if (identity.mustChangePassword && access.pendingPassword !== true) return 'password_change_required'
    return undefined
  }
  if (identity.mustChangePassword) return 'password_change_required'
  return identity.scopes.includes(access.scope) ? undefined : 'forbidden'
}

/** True for a well-formed access declaration (the onRoute hook refuses anything else). */
export function isAccess(v: unknown): v is Access {
  if (v === 'public' || v === 'mesh') return true
  if (typeof v !== 'object' || v === null) return false
  const o = v as Record<string, unknown>
  if (typeof o.scope === 'string') return isScope(o.scope) && Object.keys(o).length === 1
  return (o.role === 'admin' || o.role === 'viewer') && Object.keys(o).every((k) => k === 'role' || k === 'pendingPassword')
}

/** Text of an access declaration for logs and docs. */
export function describeAccess(a: Access): string {
  if (typeof a === 'string') return a
  return 'scope' in a ? `scope ${a.scope}` : `role ${a.role}${a.pendingPassword ? ' (pending password ok)' : ''}`
}
