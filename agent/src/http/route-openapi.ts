/**
 * The OpenAPI description every route declares next to its access (`config.openapi`), from which
 * `/openapi.json` is generated: the zod schemas that validate the body and query, and a summary.
 */
import type { ZodType } from 'zod'

/** What a route says about itself in the OpenAPI document. */
export interface RouteOpenApi {
  body?: ZodType
  query?: ZodType
  summary: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's entry in the OpenAPI document. */
    openapi?: RouteOpenApi
  }
}
