/**
 * Routes of another API than OpenAI's (Anthropic, Ollama) answer errors in that API's shape. A route
 * declares how in `config.errorShape`; the app's one error handler renders every error the OpenAI way
 * first (status, code, generic 5xx message: errors/render.ts), then applies the route's shape. Auth
 * refusals, body parsing and validation errors of those routes get the same shape.
 */
import type { OpenAiErrorBody } from '../errors/render.js'

/** Re-shapes an OpenAI error (status and body) into another API's error. */
export type ErrorShape = (status: number, body: OpenAiErrorBody) => { status: number; body: unknown }

/** Header carrying the error's stable `code` (errors/error-table.ts) on answers in another API's shape. */
export const ERROR_CODE_HEADER = 'x-llmlb-error-code'

/** Error headers that keep their meaning in every API's shape. */
export const PORTABLE_ERROR_HEADERS: readonly string[] = ['retry-after', 'www-authenticate']

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How this route's errors look (default: OpenAI's `{error:{message,type,param,code}}`). */
    errorShape?: ErrorShape
  }
}
