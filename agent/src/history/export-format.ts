/**
 * History export: CSV (RFC 4180) or a JSON array, produced record by record so an export of a million
 * records streams in bounded memory. Bodies are not exported (size, privacy): use the detail route.
 */
import type { HistoryRecord } from './history-record.js'

/** Column name → value, in export order. */
export const CSV_COLUMNS: readonly [string, (r: HistoryRecord) => unknown][] = [
  ['id', (r) => r.id],
  ['time', (r) => new Date(r.ts).toISOString()],
  ['api', (r) => r.api],
  ['model', (r) => r.model],
  ['stream', (r) => r.stream],
  ['status', (r) => r.status],
  ['outcome', (r) => r.outcome],
  ['error_code', (r) => r.error?.code],
  ['error_message', (r) => r.error?.message],
  ['ingress_node', (r) => r.ingressNode],
  ['served_by', (r) => r.servedBy],
  ['route', (r) => r.route],
  ['reason', (r) => r.reason],
  ['hops', (r) => r.hops],
  ['client_address', (r) => r.clientAddress],
  ['api_key_id', (r) => r.apiKeyId],
  ['duration_ms', (r) => r.durationMs],
  ['ttft_ms', (r) => r.ttftMs],
  ['queue_wait_ms', (r) => r.queueWaitMs],
  ['input_tokens', (r) => r.inputTokens],
  ['output_tokens', (r) => r.outputTokens],
  ['tokens_estimated', (r) => r.tokensEstimated]
]

/** One CSV cell: quoted when needed; a leading `= + - @` is neutralised so spreadsheets do not run it. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return ''
  let s = String(v)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const csvHeader = (): string => CSV_COLUMNS.map(([name]) => name).join(',') + '\r\n'

export const csvRow = (r: HistoryRecord): string => CSV_COLUMNS.map(([, get]) => csvCell(get(r))).join(',') + '\r\n'

/** Chunks of roughly `chunkBytes` (default 64 KiB) of the export of `records` (pulled as they are read). */
export async function* exportChunks(records: Iterable<HistoryRecord> | AsyncIterable<HistoryRecord>, format: 'csv' | 'json', chunkBytes = 64 * 1024): AsyncGenerator<string> {
  let buf = format === 'csv' ? csvHeader() : '['
  let first = true
  for await (const r of records) {
    buf += format === 'csv' ? csvRow(r) : `${first ? '' : ','}\n${JSON.stringify(r)}`
    first = false
    if (buf.length >= chunkBytes) {
      yield buf
      buf = ''
    }
  }
  yield format === 'csv' ? buf : `${buf}\n]\n`
}
