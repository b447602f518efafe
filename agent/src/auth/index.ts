/**
 * Authentication and authorisation: API keys, dashboard users and sessions, the access policy every
 * route declares, per-key rate limits — over the replicated control plane. See specs/auth.md and
 * specs/security.md.
 */
export { type Access, decideAccess, describeAccess, isAccess } from './access.js'
export { AuthService, type AuthMode, type AuthServiceInit } from './auth-service.js'
export { installAuthHooks, SESSION_COOKIE } from './auth-hooks.js'
export { callerOf, ANONYMOUS, type Identity } from './identity.js'
export { NodeAuth, awaitsFirstSync, type AuthStartInfo, type NodeAuthInit, CONTROL_DIR, TEST_ANTI_ENTROPY_INTERVAL_MS } from './node-auth.js'
export { INITIAL_KEY_FILE, LOCAL_TOKEN_FILE, FIRST_ADMIN } from './bootstrap.js'
export { SCOPES, ROLES, ROLE_SCOPES, INITIAL_KEY_SCOPES, type Scope, type Role } from './scopes.js'
export { LOG_REDACT, LOG_REDACT_PATHS } from './redact.js'
export { LOCAL_TOKEN_PREFIX, API_KEY_PREFIX } from './tokens.js'
export { CSRF_HEADER } from './authenticator.js'
