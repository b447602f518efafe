/** Types this module adds to fastify: the `access` of every route, and the identity of every request. */
import type {} from '@fastify/cookie'
import type { Access } from './access.js'
import type { Identity } from './identity.js'
import type { RouteAccess } from './auth-hooks.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (required: the app refuses to start with a route that lacks it). */
    access?: Access
  }
  interface FastifyInstance {
    /** Every route with its access requirement, in registration order (for audits and the matrix test). */
    accessTable: readonly RouteAccess[]
  }
  interface FastifyRequest {
    /** Who is calling; set by the auth hook before any handler runs (null only for unknown routes). */
    identity: Identity | null
    /** The session cookie's token when the request came with one (never logged). */
    sessionToken: string | null
  }
}

export {}
