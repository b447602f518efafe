/**
 * Enforces the route table's access declarations:
 *
 * - `onRoute` refuses to start the app with a route whose `config.access` is missing or malformed, so
 *   there is no route without a declared requirement;
 * - `onRequest` authenticates (authenticator.ts), applies `decideAccess`, enforces the API key's rate
 *   limit (at the ingress only: requests from peers are not counted again), and tracks long-lived
 *   requests (SSE, streams) so that a revocation, deletion or demotion merged from any node closes them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AuthService } from './auth-service.js'
import { decideAccess, describeAccess, isAccess, type Access, type Denial } from './access.js'
import { CsrfError, ForbiddenError, PasswordChangeRequiredError, RateLimitedError, UnauthorizedError } from './auth-errors.js'
import { SCOPES } from './scopes.js'
import type { Identity } from './identity.js'
import './fastify-types.js'

/** One row of the route table (`app.accessTable`): what each route requires. */
export interface RouteAccess {
  method: string
  url: string
  access: Access
}

/** Name of the HttpOnly session cookie. */
export const SESSION_COOKIE = 'llmlb_session'

/** Identity of every request when the app is built without an AuthService (unit tests of other routes). */
const OPEN: Identity = Object.freeze({ kind: 'open', via: 'open', role: 'admin', scopes: SCOPES }) as Identity

function denialError(denial: Denial, access: Access, identity: Identity): Error {
  switch (denial) {
    case 'unauthenticated':
      return new UnauthorizedError(identity.invalid)
    case 'csrf':
      return new CsrfError()
    case 'password_change_required':
      return new PasswordChangeRequiredError()
    default:
      return new ForbiddenError(`This request needs ${describeAccess(access)}`)
  }
}

/** Reads and inference may stream for minutes; writes are short and must not be cut by their own effect. */
function isLongLived(method: string, access: Access): boolean {
  return method === 'GET' || (typeof access === 'object' && 'scope' in access && access.scope === 'inference')
}

/** Installs the hooks; call before any route is registered. */
export function installAuthHooks(app: FastifyInstance, auth: AuthService | undefined): void {
  app.decorateRequest('identity', null)
  app.decorateRequest('sessionToken', null)
  const table: RouteAccess[] = []
  app.decorate('accessTable', table)

  app.addHook('onRoute', (route) => {
    const access: unknown = route.config?.access
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (!isAccess(access)) {
      throw new Error(`route ${methods.join(',')} ${route.url} declares no valid access requirement (config.access: 'public' | 'mesh' | { scope } | { role })`)
    }
    for (const method of methods) table.push({ method, url: route.url, access })
  })

  const inFlight = new Map<FastifyRequest, Access>()
  let recheckQueued = false
  const recheckAll = (): void => {
    recheckQueued = false
    if (!auth) return
    for (const [request, access] of inFlight) {
      const now = auth.authenticator.recheck(request.identity ?? OPEN, request.sessionToken ?? undefined)
      if (decideAccess(access, now, 'GET', true) !== undefined) {
        inFlight.delete(request)
        request.log.info({ identity: request.identity?.kind }, 'credential no longer valid: closing its open request')
        request.raw.destroy()
      }
    }
  }
  // deferred a turn: the write that caused the change (e.g. a password change moving its own session to
  // the new epoch) completes first; coalesced so a burst of merged entries costs one pass
  auth?.onChange(() => {
    if (recheckQueued || inFlight.size === 0) return
    recheckQueued = true
    setImmediate(recheckAll)
  })

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access
    // unknown routes carry no config: they fall through to the JSON 404 (no data behind them)
    if (request.is404 || access === undefined) return
    const token = request.cookies?.[SESSION_COOKIE]
    request.sessionToken = token ?? null
    const { identity, csrfOk } = auth
      ? auth.authenticator.authenticate({ method: request.method, headers: request.headers, sessionToken: token })
      : { identity: OPEN, csrfOk: true }
    request.identity = identity
    const denial = decideAccess(access, identity, request.method, csrfOk)
    if (denial !== undefined) throw denialError(denial, access, identity)
    if (!auth) return
    if (identity.kind === 'api-key' && identity.via === 'bearer' && identity.id !== undefined) {
      const verdict = auth.limiter.admit(identity.id, auth.keys.get(identity.id)?.rateLimit)
      if (!verdict.ok) throw new RateLimitedError(`This API key's ${verdict.reason === 'tokens' ? 'tokens' : 'requests'}-per-minute limit is reached`, verdict.retryAfterS)
    }
    // long-lived requests (SSE, streamed answers) are re-checked whenever auth data changes
    if ((identity.kind === 'api-key' || identity.kind === 'user') && request.raw.socket && isLongLived(request.method, access)) {
      inFlight.set(request, access)
      reply.raw.once('close', () => inFlight.delete(request))
    }
  })
}
