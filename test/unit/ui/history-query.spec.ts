// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { DEFAULT_HISTORY_QUERY, exportSearch, fromPageParams, historySearch, pageCount, toPageParams } from '../../../ui/src/lib/history-query.js'

const NOW = Date.UTC(2025, 0, 31, 12, 0, 0)

describe('history query strings', () => {
  it('sends paging and cluster scope by default, nothing else', () => {
    expect(historySearch(DEFAULT_HISTORY_QUERY, NOW)).toBe('page=1&per_page=50&scope=cluster')
  })

  it('adds every filter that is set, with from = now - range', () => {
    const q = { ...DEFAULT_HISTORY_QUERY, page: 3, model: 'tiny q4', node: 'n2', status: 'error' as const, range: '1h' as const, q: ' abc ', cluster: false }
    expect(historySearch(q, NOW)).toBe('page=3&per_page=50&model=tiny+q4&node=n2&status=error&from=2025-01-31T11%3A00%3A00.000Z&q=abc')
  })

  it('exports with the same filters and no paging', () => {
    expect(exportSearch({ ...DEFAULT_HISTORY_QUERY, page: 4, model: 'm' }, 'csv', NOW)).toBe('format=csv&model=m&scope=cluster')
  })

  it('round-trips through the page URL and ignores junk', () => {
    const q = { ...DEFAULT_HISTORY_QUERY, page: 2, model: 'm', status: 'aborted' as const, range: '7d' as const, cluster: false }
    const params = Object.fromEntries(Object.entries(toPageParams(q)).filter(([, v]) => v !== undefined)) as Record<string, string>
    expect(params).toEqual({ page: '2', model: 'm', status: 'aborted', range: '7d', scope: 'node' })
    expect(fromPageParams(params)).toEqual(q)
    // `ok` was the dashboard's own word before the history API landed; the agent says `success`
    expect(fromPageParams({ page: '-3', status: 'ok', range: '99y' })).toEqual(DEFAULT_HISTORY_QUERY)
    expect(fromPageParams({ status: 'success' }).status).toBe('success')
  })

  it('counts pages', () => {
    expect(pageCount(0, 50)).toBe(1)
    expect(pageCount(101, 50)).toBe(3)
  })
})
