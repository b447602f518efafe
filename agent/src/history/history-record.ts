/**
 * One row of request history, kept on the node that received the request (the ingress node). The
 * serving node is a field of the row, not a second copy: a forwarded request is recorded once, where
 * the client sent it. These shapes are what `GET /api/history` returns, field for field.
 */

import { z } from 'zod'

/** How a request ended: answered, failed (status ≥ 400 or an error event in the stream), or left by its client. */
export const OUTCOMES = ['success', 'error', 'aborted'] as const
export type Outcome = (typeof OUTCOMES)[number]

/** One request as the ingress node saw it (the wire shape too: peers answer federated queries with it). Times are ms. */
export const HistoryRecordSchema = z.object({
  /** The request id (`x-request-id`, the client's when sane). */
  id: z.string(),
  /** When the ingress node received the request (ms since the epoch). */
  ts: z.number(),
  /** `chat`, `completion`, `embeddings`, … */
  api: z.string(),
  /** The model the body asked for; null when the body had none (invalid JSON, …). */
  model: z.string().nullable(),
  stream: z.boolean(),
  ingressNode: z.string(),
  /** The node that produced the answer; null when the request failed before any node took it. */
  servedBy: z.string().nullable(),
  route: z.enum(['local', 'forwarded']).nullable(),
  /** What served it on `servedBy` when not the native runtime: an engine kind or `cloud:<provider>` (absent in older records). */
  engine: z.string().nullable().optional(),
  /** Why the scheduler chose `servedBy` (`x-llmlb-route-reason`). */
  reason: z.string().nullable(),
  /** Mesh hops the request took (0 local, 1 forwarded once). */
  hops: z.number(),
  clientAddress: z.string(),
  /** The API key that made the request (`caller.id` of an `api-key` caller). */
  apiKeyId: z.string().nullable(),
  /** HTTP status sent to the client (a stream that fails later keeps its 200, see `error`). */
  status: z.number(),
  outcome: z.enum(OUTCOMES),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Request received → last byte written (ms). */
  durationMs: z.number(),
  /** Request received → first body byte written (ms); null when no body was served. */
  ttftMs: z.number().nullable(),
  /** Time the request waited for a slot on the serving node (ms). */
  queueWaitMs: z.number().nullable(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  /** True when the answer carried no usage (client left mid-stream) and `outputTokens` counts chunks. */
  tokensEstimated: z.boolean()
})

export type HistoryRecord = z.infer<typeof HistoryRecordSchema>

/** Request and response bodies as stored: redacted of base64 media and capped in size. */
export interface HistoryBodies {
  request: string | null
  response: string | null
  /** Size before capping (bytes, UTF-8). */
  requestBytes: number
  responseBytes: number
  truncated: boolean
}

/** A record with its bodies (`GET /api/history/:id`). Bodies are null when not stored. */
export interface HistoryDetail extends HistoryRecord {
  requestBody: string | null
  responseBody: string | null
  bodiesTruncated: boolean
}

/** The outcome of a finished request. */
export function outcomeOf(status: number, error: unknown, clientGone: boolean): Outcome {
  if (clientGone || status === 499) return 'aborted'
  return status >= 400 || error ? 'error' : 'success'
}

/** Model names come from clients: bounded so one cannot blow up index keys (LMDB keys ≤ 1978 bytes). */
export const MAX_MODEL_CHARS = 256

export function boundedModel(model: unknown): string | null {
  return typeof model === 'string' ? model.slice(0, MAX_MODEL_CHARS) : null
}
