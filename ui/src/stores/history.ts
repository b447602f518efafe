/**
 * Request history: the Requests page's filters, the current page of rows, and the open detail.
 * The Node page makes its own instance filtered by node, without a provider.
 */
import { createStore, reconcile } from 'solid-js/store'
import type { ApiClient } from '../api/client.js'
import { messageOf } from '../api/errors.js'
import type { HistoryDetailView, HistoryEntry } from '../api/types.js'
import { DEFAULT_HISTORY_QUERY, exportSearch, historySearch, type HistoryQuery } from '../lib/history-query.js'
import { createStoreContext } from './context.js'
import { createLoadState } from './resource.js'

export interface HistoryState {
  query: HistoryQuery
  rows: HistoryEntry[]
  total: number
  /** false when `total` is a lower bound (some node did not answer a cluster read). */
  totalExact: boolean
  /** Cluster reads: the nodes that answered, and those that did not (with why). */
  nodesAnswered: string[] | null
  nodesFailed: { node: string; error: string }[]
  /** The row whose drawer is open. */
  detail: HistoryDetailView | null
  detailLoading: boolean
  detailError: string | null
}

export interface HistoryStoreInit {
  query?: Partial<HistoryQuery>
  now?: () => number
}

export function createHistoryStore(api: Pick<ApiClient, 'history'>, init: HistoryStoreInit = {}) {
  const now = init.now ?? Date.now
  const [state, setState] = createStore<HistoryState>({
    query: { ...DEFAULT_HISTORY_QUERY, ...init.query },
    rows: [],
    total: 0,
    totalExact: true,
    nodesAnswered: null,
    nodesFailed: [],
    detail: null,
    detailLoading: false,
    detailError: null
  })
  const { load, run } = createLoadState()

  const refresh = (): Promise<void> =>
    run(
      () => api.history.list(historySearch(state.query, now())),
      (page) => {
        setState('rows', reconcile(page.data, { key: 'id' }))
        setState({
          total: page.total,
          totalExact: page.total_exact !== false,
          nodesAnswered: page.scope === 'cluster' ? (page.nodes_answered ?? null) : null,
          nodesFailed: page.scope === 'cluster' ? (page.nodes_failed ?? []) : []
        })
      }
    )

  let detailGeneration = 0
  return {
    state,
    load,
    refresh,
    /** Changes filters (back to page 1 unless `page` is given) and reloads. */
    setQuery(patch: Partial<HistoryQuery>): Promise<void> {
      setState('query', { page: 1, ...patch })
      return refresh()
    },
    setPage(page: number): Promise<void> {
      setState('query', 'page', Math.max(1, page))
      return refresh()
    },
    async open(id: string): Promise<void> {
      const mine = ++detailGeneration
      const row = state.rows.find((r) => r.id === id) ?? null
      setState({ detail: row, detailLoading: true, detailError: null })
      try {
        const detail = await api.history.get(id, state.query.cluster)
        if (mine === detailGeneration) setState('detail', detail)
      } catch (err) {
        if (mine === detailGeneration) setState('detailError', messageOf(err))
      } finally {
        if (mine === detailGeneration) setState('detailLoading', false)
      }
    },
    close(): void {
      detailGeneration++
      setState({ detail: null, detailLoading: false, detailError: null })
    },
    exportUrl: (format: 'csv' | 'json'): string => api.history.exportUrl(exportSearch(state.query, format, now()))
  }
}

export type HistoryStore = ReturnType<typeof createHistoryStore>

const ctx = createStoreContext<HistoryStore>('History')
export const HistoryProvider = ctx.Provider
export const useHistory = ctx.use
