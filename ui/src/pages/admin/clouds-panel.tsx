/**
 * Cloud providers (admin): which prefixes this node serves, where its key comes from and which nodes
 * a cluster key is for. Keys show only as their last characters; they are set through the node's
 * environment or `PUT /api/clouds/:provider` and never come back.
 */
import { For, onMount, Show } from 'solid-js'
import type { CloudProvider } from '../../api/types.js'
import { ErrorNote, Loading, Unavailable } from '../../components/states.jsx'
import { useApi } from '../../stores/api.js'
import { createLoadState } from '../../stores/resource.js'
import { createStore, reconcile } from 'solid-js/store'

const source = (p: CloudProvider): string => (p.keySource === 'local' ? 'this node (config or environment)' : p.keySource === 'cluster' ? 'cluster key' : p.keyHint ? 'cluster key, not for this node' : 'none')

export function CloudsPanel() {
  const api = useApi()
  const [state, setState] = createStore<{ providers: CloudProvider[] }>({ providers: [] })
  const { load, run } = createLoadState()
  const refresh = (): Promise<void> => run(() => api.clouds.list(), (body) => setState('providers', reconcile(body.data, { key: 'provider' })))
  onMount(() => void refresh())
  return (
    <Show when={!load.unavailable} fallback={<Unavailable feature="Cloud providers" />}>
      <ErrorNote message={load.error} onRetry={() => void refresh()} />
      <Show when={load.loaded} fallback={<Loading what="cloud providers" />}>
        <div class="table-wrap">
          <table class="table" data-testid="clouds-table">
            <thead>
              <tr>
                <th>Provider</th>
                <th>Models</th>
                <th>Served here</th>
                <th>Key</th>
                <th>For nodes</th>
              </tr>
            </thead>
            <tbody>
              <For each={state.providers}>
                {(p) => (
                  <tr data-testid="cloud-row" data-provider={p.provider}>
                    <td>{p.provider}</td>
                    <td class="mono">{p.prefix ? `${p.prefix}:…` : '—'}</td>
                    <td>{p.active ? <span class="badge badge-ok">yes</span> : <span class="muted">no</span>}</td>
                    <td>
                      <div>{source(p)}</div>
                      <Show when={p.keyHint}>
                        <div class="muted mono small" title="The key ends with this" data-testid="cloud-key-hint">
                          {p.keyHint}
                        </div>
                      </Show>
                    </td>
                    <td class="small">{p.nodes === undefined ? '—' : p.nodes === null ? 'all' : p.nodes.join(', ')}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </Show>
  )
}
