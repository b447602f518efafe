/**
 * What a route says about itself for the OpenAPI document: every route declares
 * `config.openapi = { summary, body?, query? }` next to its `access`, with the zod schemas that
 * validate its body and query — the document is generated from them, never written by hand.
 */
import type { ZodType } from 'zod'

/** A route's entry in the OpenAPI document. */
export interface RouteDoc {
  /** One line: what the route does. */
  summary: string
  /** The schema that validates the JSON body. */
  body?: ZodType
  /** Media type of the body. @default 'application/json' */
  bodyType?: string
  /** The schema that validates the query string. */
  query?: ZodType
  /** Group in the document (OpenAPI tag). @default from the path: OpenAI, Anthropic, Ollama, Admin… */
  tag?: string
  /** Left out of the document on purpose (the dashboard's file fallback, mesh-internal routes). */
  hidden?: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's OpenAPI entry (required: a test fails for a route without one). */
    openapi?: RouteDoc
  }
}

export {}
