/**
 * Errors of authentication and authorisation. Codes are rows of the one error table
 * (agent/src/errors/error-table.ts, specs/errors.md). Messages never echo a credential.
 */
import { AgentError } from '../errors/errors.js'

/** No credential, or one that is unknown, expired or revoked (401). */
export class UnauthorizedError extends AgentError {
  constructor(message = 'Authentication required: send an API key as "Authorization: Bearer <key>" or sign in') {
    super('unauthorized', message, { headers: { 'www-authenticate': 'Bearer realm="llmlb"' } })
  }
}

/** The credential is valid but lacks the scope or role the route requires (403). */
export class ForbiddenError extends AgentError {
  constructor(message = 'Your credential does not allow this request') {
    super('forbidden', message)
  }
}

/** A cookie-authenticated write without the session's CSRF token (403). */
export class CsrfError extends AgentError {
  constructor() {
    super('csrf_failed', 'Missing or wrong x-csrf-token header for a signed-in write request')
  }
}

/** The user must change the password before anything else (403). */
export class PasswordChangeRequiredError extends AgentError {
  constructor() {
    super('password_change_required', 'You must change your password first (POST /api/auth/password)')
  }
}

/** A rate limit was hit; `Retry-After` says when to come back (429). */
export class RateLimitedError extends AgentError {
  constructor(message: string, retryAfterS: number) {
    super('rate_limited', message, { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterS))) } })
  }
}

/** A username or key name is taken, or the change would leave no admin (409). */
export class ConflictError extends AgentError {
  constructor(message: string, param: string | null = null) {
    super('conflict', message, { param })
  }
}

/** No user or API key with that id or name (404). */
export class NotFoundError extends AgentError {
  constructor(what: string) {
    super('not_found', `${what} does not exist`)
  }
}

/** Account routes on a node running with `--auth off`: there are no accounts (404, like a missing route). */
export class AuthDisabledError extends AgentError {
  constructor() {
    super('route_not_found', 'Authentication is off on this node (--auth off): there are no accounts')
  }
}
