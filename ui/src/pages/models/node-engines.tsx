/**
 * The engines the node serving this dashboard fronts (GET /api/engines): kind, health, load, models.
 * Admins only: for anyone else (403) the list is left out, not shown as an error.
 */
import { createResource, For, Show } from 'solid-js'
import type { ApiClient } from '../../api/client.js'

export function NodeEngines(props: { api: Pick<ApiClient, 'engines'>; refreshKey: () => string }) {
  const [engines] = createResource(props.refreshKey, async () => (await props.api.engines.list().catch(() => undefined)) ?? undefined)
  return (
    <Show when={engines()?.data.length}>
      <section class="card" data-testid="node-engines">
        <h2>Engines on {engines()?.node}</h2>
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th>Engine</th>
                <th>Kind</th>
                <th>Health</th>
                <th class="num">Busy / slots</th>
                <th>Models</th>
              </tr>
            </thead>
            <tbody>
              <For each={engines()?.data ?? []}>
                {(e) => (
                  <tr data-testid="engine-row" data-engine={e.id}>
                    <td class="mono" title={e.url}>
                      {e.url}
                    </td>
                    <td>{e.kind}</td>
                    <td class={e.health === 'up' ? 'serving' : 'idle'} title={e.lastError ?? ''}>
                      {e.health}
                    </td>
                    <td class="num">
                      {e.slots.busy}/{e.slots.total}
                      {e.slots.waiting > 0 ? ` +${e.slots.waiting}` : ''}
                    </td>
                    <td class="mono">{e.models.map((m) => m.id).join(', ') || '—'}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </section>
    </Show>
  )
}
