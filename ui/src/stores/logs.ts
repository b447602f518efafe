/** The tail of one node's log (GET /api/nodes/:name/logs), refreshed while the Node page is open. */
import { createStore, reconcile } from 'solid-js/store'
import type { ApiClient, LogQuery } from '../api/client.js'
import type { LogEntry } from '../api/types.js'
import { createLoadState } from './resource.js'

/** Lines fetched per refresh. */
export const LOG_TAIL_LINES = 200

export function createLogsStore(api: Pick<ApiClient, 'nodes'>, node: () => string) {
  const [state, setState] = createStore<{ entries: LogEntry[]; query: LogQuery }>({ entries: [], query: { limit: LOG_TAIL_LINES } })
  const { load, run } = createLoadState()
  const refresh = (): Promise<void> => run(() => api.nodes.logs(node(), { ...state.query }), (body) => setState('entries', reconcile(body.data)))
  return {
    state,
    load,
    refresh,
    setQuery(patch: LogQuery): Promise<void> {
      setState('query', patch)
      return refresh()
    }
  }
}

export type LogsStore = ReturnType<typeof createLogsStore>
