/**
 * Anthropic's error shape, `{"type":"error","error":{"type","message"}}`, and its statuses: what we
 * would answer 503 (runtime restarting, no slot in time, draining, no capacity) is 529
 * `overloaded_error`, which Anthropic clients retry.
 */
import type { OpenAiErrorBody } from '../../errors/render.js'

/** Anthropic's status for overload. */
export const OVERLOADED_STATUS = 529

/** An Anthropic error body. */
export interface AnthropicErrorBody {
  type: 'error'
  error: { type: string; message: string }
}

function typeOf(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error'
    case 401:
      return 'authentication_error'
    case 403:
      return 'permission_error'
    case 404:
      return 'not_found_error'
    case 413:
      return 'request_too_large'
    case 429:
      return 'rate_limit_error'
    case 503:
    case OVERLOADED_STATUS:
      return 'overloaded_error'
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error'
  }
}

/** The Anthropic status and body of an error we would answer with OpenAI's `status` and `body`. */
export function anthropicErrorOf(status: number, body: OpenAiErrorBody): { status: number; body: AnthropicErrorBody } {
  return { status: status === 503 ? OVERLOADED_STATUS : status, body: { type: 'error', error: { type: typeOf(status), message: body.error.message } } }
}
