/**
 * Shapes GET /api/stats/tokens rows into stacked bars: one bar per period, one segment per group
 * (model, key or node). Groups beyond the largest `maxGroups` are folded into "other" so the legend
 * stays readable.
 */
import type { TokenStatsRow } from '../api/types.js'
import type { StackedBar } from './chart.js'

export type TokenMetric = 'total' | 'input' | 'output' | 'requests'

export const OTHER_GROUP = 'other'

export function metricOf(row: TokenStatsRow, metric: TokenMetric): number {
  switch (metric) {
    case 'input':
      return row.inputTokens
    case 'output':
      return row.outputTokens
    case 'requests':
      return row.requests
    case 'total':
      return row.inputTokens + row.outputTokens
  }
}

export interface TokenChart {
  /** Group names in legend order (largest first; "other" last). */
  groups: string[]
  bars: StackedBar[]
  total: number
}

export function tokenChart(rows: readonly TokenStatsRow[], metric: TokenMetric, maxGroups = 6): TokenChart {
  const byGroup = new Map<string, number>()
  for (const r of rows) byGroup.set(r.group || '(none)', (byGroup.get(r.group || '(none)') ?? 0) + metricOf(r, metric))
  const ranked = [...byGroup.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([g]) => g)
  const kept = ranked.length > maxGroups ? ranked.slice(0, maxGroups - 1) : ranked
  const keep = new Set(kept)
  const groups = ranked.length > kept.length ? [...kept, OTHER_GROUP] : kept
  const periods = [...new Set(rows.map((r) => r.period))].sort()
  const cells = new Map<string, Map<string, number>>()
  let total = 0
  for (const r of rows) {
    const g = keep.has(r.group || '(none)') ? r.group || '(none)' : OTHER_GROUP
    const v = metricOf(r, metric)
    total += v
    const cell = cells.get(r.period) ?? new Map<string, number>()
    cell.set(g, (cell.get(g) ?? 0) + v)
    cells.set(r.period, cell)
  }
  return {
    groups,
    total,
    bars: periods.map((p) => ({ label: p, segments: groups.map((g) => ({ key: g, value: cells.get(p)?.get(g) ?? 0 })) }))
  }
}

/** Short axis label for a period: "01-31" for a day, "2025-01" stays as is. */
export function periodLabel(period: string): string {
  const m = /^\d{4}-(\d{2}-\d{2})$/.exec(period)
  return m ? (m[1] as string) : period
}
