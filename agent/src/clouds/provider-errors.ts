/**
 * A provider's error answer in OpenAI's error shape, with the provider's status (429 keeps its
 * Retry-After; Google's RetryInfo delay becomes one). An answer that is not the provider's JSON at
 * all (a proxy's HTML page, a truncated body) is `provider_failed`: a 502 that says so.
 */
import { AgentError } from '../errors/errors.js'
import { jsonResult, type HttpResult } from '../inference/http-result.js'
import type { ProviderKind } from './providers.js'

/** The provider could not be reached or answered something that is not its API. */
export class ProviderFailedError extends AgentError {
  constructor(message: string, cause?: unknown) {
    super('provider_failed', message, { cause })
  }
}

/** OpenAI's error `type` for an HTTP status. */
function typeOfStatus(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 429) return 'rate_limit_error'
  return status >= 500 ? 'server_error' : 'invalid_request_error'
}

const ANTHROPIC_TYPES: Readonly<Record<string, string>> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  rate_limit_error: 'rate_limit_error',
  api_error: 'server_error',
  overloaded_error: 'server_error'
}

export interface OpenAiError {
  message: string
  type: string
  param: string | null
  code: string
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** The OpenAI error inside a provider's parsed error body, or undefined when it has none. */
export function openAiErrorOf(kind: ProviderKind, status: number, value: unknown): OpenAiError | undefined {
  const e = (value as { error?: Record<string, unknown> } | null)?.error
  if (typeof e !== 'object' || e === null) return undefined
  const message = str(e.message)
  if (message === undefined) return undefined
  if (kind === 'anthropic') {
    const t = str(e.type) ?? 'api_error'
    return { message, type: ANTHROPIC_TYPES[t] ?? typeOfStatus(status), param: null, code: t }
  }
  if (kind === 'google') return { message, type: typeOfStatus(status), param: null, code: (str(e.status) ?? `http_${status}`).toLowerCase() }
  return { message, type: str(e.type) ?? typeOfStatus(status), param: str(e.param) ?? null, code: str(e.code) ?? `http_${status}` }
}

/** Seconds of Google's `RetryInfo.retryDelay` ("30s"), if the error carries one. */
function googleRetryAfter(value: unknown): string | undefined {
  const details = (value as { error?: { details?: unknown } } | null)?.error?.details
  if (!Array.isArray(details)) return undefined
  for (const d of details) {
    const delay = str((d as Record<string, unknown>)?.retryDelay)
    const m = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay) : null
    if (m?.[1]) return String(Math.ceil(Number(m[1])))
  }
  return undefined
}

/** The client's answer to a provider's non-2xx answer; throws ProviderFailedError for a non-JSON one. */
export function providerErrorResult(provider: string, kind: ProviderKind, status: number, headers: Record<string, string>, text: string): HttpResult {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ProviderFailedError(`${provider} answered HTTP ${status} with a body that is not JSON (${headers['content-type'] ?? 'no content type'})`)
  }
  const error = openAiErrorOf(kind, status, value) ?? { message: `${provider} answered HTTP ${status}`, type: typeOfStatus(status), param: null, code: `http_${status}` }
  const out: Record<string, string> = {}
  const retry = headers['retry-after'] ?? (kind === 'google' ? googleRetryAfter(value) : undefined)
  if (retry) out['retry-after'] = retry
  // a provider status outside what clients expect (Anthropic's 529 overloaded) is a 503
  const shown = status >= 400 && status <= 599 && status !== 529 ? status : 503
  return jsonResult(shown, { error: { ...error, message: `${provider}: ${error.message}` } }, out)
}
