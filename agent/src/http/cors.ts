/**
 * CORS for browser pages on other origins (`corsOrigins`, like Ollama's OLLAMA_ORIGINS):
 *
 * - a request whose `Origin` is another origin than the node's and is allowed gets
 *   `Access-Control-Allow-Origin` (the origin itself, or `*` when `*` is configured); preflights
 *   (`OPTIONS` with `Access-Control-Request-Method`) are answered 204 here, before routing;
 * - a cross-origin request from an origin that is not allowed is refused with 403 before anything
 *   runs — a browser's "simple" POST would otherwise reach the handler even though the page cannot
 *   read the answer;
 * - credentials are never allowed (no `Access-Control-Allow-Credentials`), and a cross-origin request's
 *   session cookie is ignored, so the dashboard session cannot be used from another origin even on the
 *   same site. API keys (`Authorization`, `x-api-key`) are how pages authenticate.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { SESSION_COOKIE } from '../auth/auth-hooks.js'
import { ForbiddenError } from '../auth/auth-errors.js'

/** How long a browser may cache a preflight answer (s). */
export const PREFLIGHT_MAX_AGE_S = 600

/** Methods the API uses. */
const METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS'
/** Request headers pages may send when the preflight does not list them. */
const DEFAULT_ALLOWED_HEADERS = 'authorization, content-type, x-api-key, anthropic-version, anthropic-beta, x-request-id'
/** Response headers pages may read (where and how a request was served). */
const EXPOSED_HEADERS = 'x-request-id, x-llmlb-served-by, x-llmlb-route, x-llmlb-hops, x-llmlb-error-code, retry-after'

const globRe = (pattern: string): RegExp => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i')

/**
 * The `Access-Control-Allow-Origin` value for `origin` under the configured `allowed` origins, or
 * undefined when that origin is not allowed. Pure.
 */
export function allowedOriginFor(origin: string, allowed: readonly string[]): string | undefined {
  if (allowed.includes('*')) return '*'
  const o = origin.replace(/\/$/, '')
  return allowed.some((a) => (a.includes('*') ? globRe(a.replace(/\/$/, '')).test(o) : a.replace(/\/$/, '').toLowerCase() === o.toLowerCase())) ? origin : undefined
}

/** True when `origin` names the node itself (the dashboard's own pages send it on writes). */
function sameOrigin(origin: string, request: FastifyRequest): boolean {
  try {
    return new URL(origin).host === request.headers.host
  } catch {
    return false
  }
}

/** Installs the CORS hook; call after the cookie parser and before auth and routing decisions. */
export function installCors(app: FastifyInstance, allowed: readonly string[]): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin
    if (origin === undefined || sameOrigin(origin, request)) return
    // never authenticate a cross-origin request by the dashboard's cookie
    if (request.cookies && SESSION_COOKIE in request.cookies) delete request.cookies[SESSION_COOKIE]
    const allow = allowedOriginFor(origin, allowed)
    if (allow === undefined) throw new ForbiddenError(`Requests from the origin ${origin} are not allowed (--cors-origins)`)
    reply.header('access-control-allow-origin', allow)
    if (allow !== '*') reply.header('vary', 'origin')
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      const asked = request.headers['access-control-request-headers']
      return reply
        .code(204)
        .header('access-control-allow-methods', METHODS)
        .header('access-control-allow-headers', typeof asked === 'string' && asked ? asked : DEFAULT_ALLOWED_HEADERS)
        .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_S))
        .send()
    }
    reply.header('access-control-expose-headers', EXPOSED_HEADERS)
  })
}
