/**
 * The Requests page's filters and their query strings: for GET /api/history, for the export link,
 * and for the page's own URL (so a filtered view can be bookmarked or shared).
 */

/** Time windows offered by the filter bar; `from` is computed when the query is sent. */
export const TIME_RANGES = { all: 0, '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000, '30d': 2_592_000_000 } as const
export type TimeRange = keyof typeof TIME_RANGES

/**
 * The agent's outcomes (`status=success|error|aborted`): answered; failed (HTTP status ≥ 400, or an
 * error event in a stream that began with 200); left by its client before the end.
 */
export const STATUS_FILTERS = ['success', 'error', 'aborted'] as const
export type StatusFilter = '' | (typeof STATUS_FILTERS)[number]

export interface HistoryQuery {
  page: number
  perPage: number
  model: string
  node: string
  status: StatusFilter
  range: TimeRange
  q: string
  /** true: ask every node (`scope=cluster`); false: this node's own history. */
  cluster: boolean
}

/** Page size the Requests page starts with. */
export const DEFAULT_PER_PAGE = 50

export const DEFAULT_HISTORY_QUERY: HistoryQuery = {
  page: 1,
  perPage: DEFAULT_PER_PAGE,
  model: '',
  node: '',
  status: '',
  range: 'all',
  q: '',
  cluster: true
}

/**
 * The query string (without "?") for GET /api/history. Empty filters are left out; `from` is an
 * ISO-8601 instant `now - range`.
 */
export function historySearch(q: HistoryQuery, nowMs: number): string {
  const p = new URLSearchParams()
  p.set('page', String(Math.max(1, Math.floor(q.page))))
  p.set('per_page', String(Math.max(1, Math.floor(q.perPage))))
  appendFilters(p, q, nowMs)
  return p.toString()
}

/** The query string for GET /api/history/export: the same filters, no paging. */
export function exportSearch(q: HistoryQuery, format: 'csv' | 'json', nowMs: number): string {
  const p = new URLSearchParams()
  p.set('format', format)
  appendFilters(p, q, nowMs)
  return p.toString()
}

function appendFilters(p: URLSearchParams, q: HistoryQuery, nowMs: number): void {
  if (q.model) p.set('model', q.model)
  if (q.node) p.set('node', q.node)
  if (q.status) p.set('status', q.status)
  const span = TIME_RANGES[q.range]
  if (span > 0) p.set('from', new Date(nowMs - span).toISOString())
  if (q.q.trim()) p.set('q', q.q.trim())
  if (q.cluster) p.set('scope', 'cluster')
}

/** The page URL's search params for a query; defaults are left out to keep URLs short. */
export function toPageParams(q: HistoryQuery): Record<string, string | undefined> {
  const d = DEFAULT_HISTORY_QUERY
  return {
    page: q.page !== d.page ? String(q.page) : undefined,
    model: q.model || undefined,
    node: q.node || undefined,
    status: q.status || undefined,
    range: q.range !== d.range ? q.range : undefined,
    q: q.q || undefined,
    scope: q.cluster ? undefined : 'node'
  }
}

/** Reads a query back from page search params, ignoring values it does not know. */
export function fromPageParams(params: Record<string, string | string[] | undefined>): HistoryQuery {
  const one = (k: string): string => {
    const v = params[k]
    return (Array.isArray(v) ? v[0] : v) ?? ''
  }
  const page = Number.parseInt(one('page'), 10)
  const status = one('status')
  const range = one('range')
  return {
    ...DEFAULT_HISTORY_QUERY,
    page: Number.isFinite(page) && page > 0 ? page : 1,
    model: one('model'),
    node: one('node'),
    status: (STATUS_FILTERS as readonly string[]).includes(status) ? (status as StatusFilter) : '',
    range: range in TIME_RANGES ? (range as TimeRange) : 'all',
    q: one('q'),
    cluster: one('scope') !== 'node'
  }
}

/** Number of pages for `total` rows (at least 1). */
export function pageCount(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(Math.max(0, total) / Math.max(1, perPage)))
}
