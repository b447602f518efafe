/**
 * Who is making a request, as the access policy sees it. Built by the authenticator from a credential
 * (or from the caller a mesh peer vouched for), carried on `request.identity`, and sent along with
 * forwarded requests as a `ForwardCaller`.
 */
import type { ForwardCaller } from '../../../mesh/src/index.js'
import type { Role, Scope } from './scopes.js'

/**
 * - `anonymous`: no (valid) credential;
 * - `api-key`: an API key (or a peer's caller that was one);
 * - `user`: a signed-in dashboard user;
 * - `local-admin`: the CLI's token from `<data-dir>/local-admin.token`;
 * - `open`: any request on a node running with `--auth off`.
 */
export type IdentityKind = 'anonymous' | 'api-key' | 'user' | 'local-admin' | 'open'

/** How the credential arrived: nothing, a bearer/x-api-key header, the session cookie, a mesh peer, or auth off. */
export type IdentityVia = 'none' | 'bearer' | 'session' | 'mesh' | 'open'

export interface Identity {
  kind: IdentityKind
  via: IdentityVia
  /** Key id, user id, or `local-admin`. */
  id?: string
  /** Username or key name (for logs and history; never a secret). */
  name?: string
  role?: Role
  scopes: readonly Scope[]
  /** A user who must change the password before anything else. */
  mustChangePassword?: boolean
  /** Set when a credential was presented but is not valid (the 401 says why). */
  invalid?: string
}

export const ANONYMOUS: Identity = Object.freeze({ kind: 'anonymous', via: 'none', scopes: [] }) as Identity

/** The caller a forwarded request carries, so the serving peer can re-check it. */
export function callerOf(identity: Identity | null | undefined): ForwardCaller {
  if (!identity) return { kind: 'anonymous' }
  switch (identity.kind) {
    case 'api-key':
    case 'user':
      return { kind: identity.kind, id: identity.id, scopes: [...identity.scopes] }
    case 'local-admin':
      // not in the replicated store: peers trust the scopes this mesh member vouches for
      return { kind: 'api-key', id: LOCAL_ADMIN_ID, scopes: [...identity.scopes] }
    default:
      return { kind: 'anonymous' }
  }
}

/** Id of the local CLI credential in logs and forwarded callers. */
export const LOCAL_ADMIN_ID = 'local-admin'
