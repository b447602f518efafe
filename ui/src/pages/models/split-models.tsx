/**
 * Models split over RPC workers (GET /api/shards, cluster-wide): coordinator, state, each worker with the
 * memory it holds. Left out when no model is split, or for a user who may not read models.
 */
import { createResource, For, Show } from 'solid-js'
import type { ApiClient } from '../../api/client.js'
import { formatBytes } from '../../lib/format.js'

export function SplitModels(props: { api: Pick<ApiClient, 'shards'>; refreshKey: () => string }) {
  const [shards] = createResource(props.refreshKey, async () => (await props.api.shards.list().catch(() => undefined)) ?? undefined)
  return (
    <Show when={shards()?.data.length}>
      <section class="card" data-testid="split-models">
        <h2>Split models</h2>
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th>Model</th>
                <th>State</th>
                <th>Coordinator</th>
                <th>Workers (memory each)</th>
              </tr>
            </thead>
            <tbody>
              <For each={shards()?.data ?? []}>
                {(s) => (
                  <tr data-testid="split-row" data-model={s.id}>
                    <td class="mono">{s.id}</td>
                    <td class={s.state === 'serving' ? 'serving' : 'idle'} title={s.error ?? ''}>
                      {s.state}
                    </td>
                    <td>{s.coordinator?.name ?? '—'}</td>
                    <td class="mono">{s.workers.map((w) => `${w.name} (${formatBytes(w.bytes)})`).join(', ') || '—'}</td>
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
