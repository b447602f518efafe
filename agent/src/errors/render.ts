/**
 * Turns any thrown value into the OpenAI error body and status. The only place that decides what a
 * client sees of an error: 4xx keep their message, 5xx get the table's generic message, nothing else
 * (no stack, no cause) leaves the process.
 */
import { errorRow } from './error-table.js'

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string }
}

export interface RenderedError {
  status: number
  headers: Record<string, string>
  body: OpenAiErrorBody
}

interface CodedError {
  code?: unknown
  message?: unknown
  param?: unknown
  headers?: unknown
  statusCode?: unknown
}

/** Fastify's own errors (body parser, limits) carry FST_* codes; map the ones clients can cause. */
function fastifyCode(e: CodedError): string | undefined {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request_too_large'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type'
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'invalid_json'
    default:
      return typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? 'invalid_request' : undefined
  }
}

export function renderError(err: unknown): RenderedError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as CodedError
  const rawCode = typeof e.code === 'string' ? e.code : undefined
  const code = rawCode?.startsWith('FST_') ? fastifyCode(e) : rawCode
  const row = errorRow(code)
  const message = row.status >= 500 && !row.exposeMessage ? (row.publicMessage ?? 'Internal error') : typeof e.message === 'string' ? e.message : 'Bad request'
  const headers = typeof e.headers === 'object' && e.headers !== null ? (e.headers as Record<string, string>) : {}
  return {
    status: row.status,
    headers,
    body: { error: { message, type: row.type, param: typeof e.param === 'string' ? e.param : null, code: row.code } }
  }
}
