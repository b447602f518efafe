/**
 * The dashboard's one error type for API calls. `status` 0 means the request never got an answer
 * (network down, agent stopped).
 */
import type { ErrorBody } from './types.js'

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null = null,
    readonly type: string | null = null,
    readonly param: string | null = null
  ) {
    super(message)
  }

  /** Builds the error from a failed response body (the OpenAI error shape, or anything else). */
  static fromBody(status: number, body: unknown, fallback: string): ApiError {
    const e = (body as Partial<ErrorBody> | null)?.error
    if (e && typeof e === 'object') return new ApiError(e.message || fallback, status, e.code ?? null, e.type ?? null, e.param ?? null)
    return new ApiError(fallback, status)
  }
}

/** True when the endpoint does not exist on this node (an older agent, or a feature not built yet). */
export function isUnavailable(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && (err.code === null || err.code === 'route_not_found')
}

/** True for a 401: the session is missing or expired. */
export function isUnauthorized(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401
}

/** A message fit for the page, whatever was thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.status === 0 ? `Cannot reach the agent: ${err.message}` : err.message
  if (err instanceof Error) return err.message
  return String(err)
}
