/** Token usage from GET /api/stats/tokens, by day or month, grouped by model, key or node. */
import { createStore } from 'solid-js/store'
import type { ApiClient, TokenStatsQuery } from '../api/client.js'
import type { TokenStatsRow } from '../api/types.js'
import { createStoreContext } from './context.js'
import { createLoadState } from './resource.js'

export interface StatsState {
  query: TokenStatsQuery
  rows: TokenStatsRow[]
}

export function createStatsStore(api: Pick<ApiClient, 'stats'>) {
  const [state, setState] = createStore<StatsState>({ query: { by: 'day', group: 'model', cluster: true }, rows: [] })
  const { load, run } = createLoadState()
  const refresh = (): Promise<void> => run(() => api.stats.tokens({ ...state.query }), (body) => setState('rows', body.data))
  return {
    state,
    load,
    refresh,
    setQuery(patch: Partial<TokenStatsQuery>): Promise<void> {
      setState('query', patch)
      return refresh()
    }
  }
}

export type StatsStore = ReturnType<typeof createStatsStore>

const ctx = createStoreContext<StatsStore>('Stats')
export const StatsProvider = ctx.Provider
export const useStats = ctx.use
