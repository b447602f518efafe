/**
 * Query strings of the history, token statistics and log routes (zod, validated with `parseBody`, so a
 * bad value is a 400 naming the parameter).
 */
import { z } from 'zod'
import { parseStatusFilter } from '../../history/query-plan.js'
import { STATS_GROUPS } from '../../history/token-stats.js'
import { LOG_LEVELS } from '../../observability/log-tail.js'

/** Records per page by default, and at most. */
export const DEFAULT_PER_PAGE = 50
export const MAX_PER_PAGE = 1000
/** Deepest record a cluster-scope page may reach (offset + per_page): each node sends that many. */
export const MAX_CLUSTER_WINDOW = 10_000
/** Log lines per request by default, and at most. */
export const DEFAULT_LOG_LINES = 200
export const MAX_LOG_LINES = 5000

/** A time: ms since the epoch, or anything `Date.parse` reads (ISO 8601). */
export const TimeParam = z.string().transform((s, ctx) => {
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s)
  if (Number.isFinite(t)) return t
  ctx.addIssue({ code: 'custom', message: 'must be ms since the epoch or an ISO 8601 date' })
  return z.NEVER
})

const Name = z.string().min(1).max(256)
const Scope = z.enum(['local', 'cluster']).default('local')

export const HistoryFilterParams = z.object({
  model: Name.optional(),
  /** Serving node. */
  node: Name.optional(),
  /** API key id. */
  key: Name.optional(),
  /** A status code (`429`) or an outcome (`success`, `error`, `aborted`). */
  status: z
    .string()
    .transform((s, ctx) => {
      const v = parseStatusFilter(s)
      if (v !== undefined) return v
      ctx.addIssue({ code: 'custom', message: 'must be an HTTP status or one of success, error, aborted' })
      return z.NEVER
    })
    .optional(),
  from: TimeParam.optional(),
  to: TimeParam.optional(),
  q: Name.optional()
})
export type HistoryFilterParams = z.infer<typeof HistoryFilterParams>

export const HistoryListParams = HistoryFilterParams.extend({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(MAX_PER_PAGE).default(DEFAULT_PER_PAGE),
  /** Alternative to page: records to skip (used between nodes). */
  offset: z.coerce.number().int().min(0).optional(),
  /** Alternative to per_page (used between nodes). */
  limit: z.coerce.number().int().min(1).max(MAX_CLUSTER_WINDOW).optional(),
  scope: Scope
})

export const HistoryExportParams = HistoryFilterParams.extend({ format: z.enum(['csv', 'json']).default('json'), scope: Scope })

export const ScopeParams = z.object({ scope: Scope })

/** A stats bound: `YYYY-MM-DD`, `YYYY-MM`, or a time (made a period of `by` by the route). */
const PeriodParam = z.string().regex(/^(\d{4}-\d{2}(-\d{2})?|\d+|\d{4}-\d{2}-\d{2}T.*)$/, 'must be YYYY-MM-DD, YYYY-MM, ms since the epoch or an ISO 8601 time')

export const TokenStatsParams = z.object({
  by: z.enum(['day', 'month']).default('day'),
  group: z.enum(STATS_GROUPS).default('none'),
  from: PeriodParam.optional(),
  to: PeriodParam.optional(),
  scope: Scope
})

export const LogParams = z.object({
  level: z.enum(Object.keys(LOG_LEVELS) as [string, ...string[]]).optional(),
  since: TimeParam.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LOG_LINES).default(DEFAULT_LOG_LINES),
  q: Name.optional()
})
