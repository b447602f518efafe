/** Deterministic generated history records, shared by the history benchmark and its unit tests. */
import type { HistoryRecord } from '../../agent/src/history/history-record.js'

export const MODELS = ['model-a', 'model-b', 'model-c', 'model-d', 'model-e']
export const NODES = ['n1', 'n2', 'n3']
export const KEYS = ['key-1', 'key-2', 'key-3', 'key-4', null]
export const STATUSES = [200, 200, 200, 200, 200, 200, 400, 404, 429, 503]

/** Record `i` of a generated history: one every `stepMs`, starting at `base`. */
export function makeRecord(i: number, base = Date.UTC(2025, 0, 1), stepMs = 7000): HistoryRecord {
  const status = STATUSES[(i * 7) % STATUSES.length] as number
  const aborted = i % 97 === 0
  return {
    id: `req-${i}`,
    ts: base + i * stepMs,
    api: i % 3 === 0 ? 'embeddings' : 'chat',
    model: MODELS[i % MODELS.length] as string,
    stream: i % 2 === 0,
    ingressNode: 'n1',
    servedBy: status === 404 ? null : (NODES[(i >> 1) % NODES.length] as string),
    route: status === 404 ? null : i % 2 ? 'local' : 'forwarded',
    reason: 'free-slot',
    hops: i % 2,
    clientAddress: `10.0.0.${i % 250}`,
    apiKeyId: KEYS[(i >> 2) % KEYS.length] ?? null,
    status,
    outcome: aborted ? 'aborted' : status >= 400 ? 'error' : 'success',
    error: status >= 400 ? { code: `code_${status}`, message: `failed with ${status}` } : null,
    durationMs: 10 + (i % 100),
    ttftMs: status >= 400 ? null : 5,
    queueWaitMs: 0,
    inputTokens: 10 + (i % 13),
    outputTokens: status >= 400 ? 0 : 20 + (i % 17),
    tokensEstimated: false
  }
}
