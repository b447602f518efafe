/**
 * The one table from error code to HTTP status and OpenAI error `type`. `specs/errors.md` documents
 * the same rows; a unit test checks the two agree.
 */
export interface ErrorRow {
  status: number
  type: string
  /** Message shown for 5xx instead of the internal one (5xx details never reach clients). */
  publicMessage?: string
  /** A 5xx whose message is written for the client (sizes, a hub's status), never internal detail: shown as is. */
  exposeMessage?: boolean
}

export const ERROR_TABLE: Readonly<Record<string, ErrorRow>> = {
  aborted: { status: 499, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error' },
  model_capability_missing: { status: 400, type: 'invalid_request_error' },
  previous_response_not_found: { status: 400, type: 'invalid_request_error' },
  invalid_audio: { status: 400, type: 'invalid_request_error' },
  audio_codec_missing: { status: 400, type: 'invalid_request_error' },
  unauthorized: { status: 401, type: 'authentication_error' },
  forbidden: { status: 403, type: 'permission_error' },
  hub_access_denied: { status: 403, type: 'permission_error' },
  csrf_failed: { status: 403, type: 'permission_error' },
  password_change_required: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  route_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  conflict: { status: 409, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  queue_full: { status: 429, type: 'rate_limit_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  model_management_unavailable: { status: 501, type: 'invalid_request_error', publicMessage: 'This node cannot pull, delete or copy models yet: it serves the GGUF files it was started with (--model, --models-dir)' },
  internal_error: { status: 500, type: 'server_error', publicMessage: 'The server had an error while processing your request' },
  model_load_failed: { status: 500, type: 'server_error', publicMessage: 'The model failed to load on the serving node' },
  protocol_error: { status: 502, type: 'server_error', publicMessage: 'The node serving this model answered with a malformed response' },
  stream_failed: { status: 502, type: 'server_error', publicMessage: 'The stream from the node serving this model broke' },
  upstream_failed: { status: 502, type: 'server_error', publicMessage: 'The node serving this model failed before answering' },
  peer_unreachable: { status: 502, type: 'server_error', publicMessage: 'The node serving this model could not be reached' },
  hub_unavailable: { status: 502, type: 'server_error', exposeMessage: true },
  checksum_mismatch: { status: 502, type: 'server_error', exposeMessage: true },
  pull_failed: { status: 502, type: 'server_error', exposeMessage: true },
  insufficient_storage: { status: 507, type: 'server_error', exposeMessage: true },
  model_pulling: { status: 503, type: 'server_error', exposeMessage: true },
  insufficient_memory: { status: 503, type: 'server_error', exposeMessage: true },
  runtime_unavailable: { status: 503, type: 'server_error', publicMessage: 'The inference runtime is unavailable; retry shortly' },
  queue_timeout: { status: 503, type: 'server_error', publicMessage: 'No slot became free in time; retry shortly' },
  shutting_down: { status: 503, type: 'server_error', publicMessage: 'This node is shutting down; send the request to another node' },
  no_capacity: { status: 503, type: 'server_error', publicMessage: 'No node can serve this request right now' },
  outbound_blocked: { status: 400, type: 'invalid_request_error' },
  outbound_failed: { status: 502, type: 'server_error', exposeMessage: true },
  engine_not_detected: { status: 400, type: 'invalid_request_error' },
  engine_unavailable: { status: 503, type: 'server_error', publicMessage: 'The engine serving this model is unavailable; retry shortly' },
  engine_bad_response: { status: 502, type: 'server_error', publicMessage: 'The engine serving this model answered with a malformed response' },
  provider_failed: { status: 502, type: 'server_error', exposeMessage: true },
  invalid_image: { status: 400, type: 'invalid_request_error' },
  invalid_image_url: { status: 400, type: 'invalid_request_error' },
  shard_not_ready: { status: 503, type: 'server_error', exposeMessage: true },
  shard_insufficient_memory: { status: 503, type: 'server_error', exposeMessage: true },
  worker_busy: { status: 409, type: 'invalid_request_error' },
  worker_unavailable: { status: 503, type: 'server_error', exposeMessage: true }
}

/** Row for a code; unknown codes are internal errors. */
export function errorRow(code: string | undefined): ErrorRow & { code: string } {
  const row = code ? ERROR_TABLE[code] : undefined
  return row ? { ...row, code: code as string } : { ...(ERROR_TABLE.internal_error as ErrorRow), code: 'internal_error' }
}
