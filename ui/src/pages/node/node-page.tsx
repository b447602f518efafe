/**
 * One node: its facts, load over time (from live snapshots in memory), its models, the requests it
 * served (history filtered by node), and the tail of its log.
 */
import { A, useParams } from '@solidjs/router'
import { createEffect, For, on, onCleanup, Show } from 'solid-js'
import { StatusBadge } from '../../components/status-badge.jsx'
import { ErrorNote, Unavailable } from '../../components/states.jsx'
import { formatAge, formatBytes, formatUptime } from '../../lib/format.js'
import { useApi } from '../../stores/api.js'
import { useCluster } from '../../stores/cluster.js'
import { createHistoryStore } from '../../stores/history.js'
import { createLogsStore } from '../../stores/logs.js'
import { HistoryTable } from '../requests/history-table.jsx'
import { NodeLoad } from './node-load.jsx'
import { NodeLogs } from './node-logs.jsx'
import { NodeModels } from './node-models.jsx'

/** How often the logs tail and the recent requests refresh while the page is open (ms). */
export const NODE_PAGE_REFRESH_MS = 5000

export function NodePage() {
  const params = useParams<{ name: string }>()
  const api = useApi()
  const cluster = useCluster()
  const name = () => params.name ?? ''
  const node = () => cluster.node(name())
  const recent = createHistoryStore(api, { query: { perPage: 10, node: name(), cluster: true } })
  const logs = createLogsStore(api, name)

  createEffect(
    on(name, (n) => {
      void recent.setQuery({ node: n })
      void logs.refresh()
    })
  )
  const timer = setInterval(() => {
    if (!logs.load.unavailable) void logs.refresh()
    if (!recent.load.unavailable) void recent.refresh()
  }, NODE_PAGE_REFRESH_MS)
  onCleanup(() => clearInterval(timer))

  return (
    <div class="page" data-testid="node-page">
      <header class="page-head">
        <p class="crumbs">
          <A href="/">Cluster</A> /
        </p>
        <h1>{name()}</h1>
        <Show when={node()}>{(n) => <StatusBadge status={n().status} />}</Show>
      </header>

      <Show
        when={node()}
        fallback={
          <section class="state">
            <h3>No node named “{name()}” in this node's view</h3>
            <p class="muted">It may have left the cluster, or not been seen yet.</p>
          </section>
        }
      >
        {(n) => (
          <>
            <dl class="summary">
              <div>
                <dt>Version</dt>
                <dd>{n().version}</dd>
              </div>
              <div>
                <dt>Up for</dt>
                <dd>{formatUptime(n().startedAt, cluster.state.updatedAt || Date.now())}</dd>
              </div>
              <div>
                <dt>Last seen</dt>
                <dd>{n().self ? 'this node' : formatAge(n().last_seen_ms_ago)}</dd>
              </div>
              <div>
                <dt>Memory free</dt>
                <dd>
                  {formatBytes(n().memory.freeBytes)} <span class="muted">/ {formatBytes(n().memory.totalBytes)}</span>
                </dd>
              </div>
              <div>
                <dt>CPU</dt>
                <dd>
                  {n().cpu.load1.toFixed(2)} <span class="muted">load · {n().cpu.cores} cores</span>
                </dd>
              </div>
            </dl>
            <section class="card">
              <h2>Load</h2>
              <NodeLoad samples={cluster.state.samples[n().name] ?? []} />
            </section>
            <section class="card">
              <h2>Models</h2>
              <NodeModels models={n().models} />
              <Show when={(n().gpus ?? []).length > 0}>
                <h3>GPUs</h3>
                <ul class="plain">
                  <For each={n().gpus}>
                    {(g) => (
                      <li>
                        {g.name}: {formatBytes(g.vramUsedBytes)} of {formatBytes(g.vramTotalBytes)} VRAM used
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </section>
            <section class="card">
              <h2>Addresses</h2>
              <ul class="plain mono small">
                <li>HTTP {n().httpUrl || '—'}</li>
                <For each={n().addresses}>{(a) => <li>{a}</li>}</For>
              </ul>
            </section>
          </>
        )}
      </Show>

      <section class="card">
        <h2>
          Recent requests <A href={`/requests?node=${encodeURIComponent(name())}`} class="small">all →</A>
        </h2>
        <Show when={!recent.load.unavailable} fallback={<Unavailable feature="Request history" />}>
          <ErrorNote message={recent.load.error} onRetry={() => void recent.refresh()} />
          <HistoryTable rows={recent.state.rows} compact emptyText="No requests served by this node yet." />
        </Show>
      </section>

      <section class="card">
        <h2>Log</h2>
        <Show when={!logs.load.unavailable} fallback={<Unavailable feature="Log retrieval" />}>
          <ErrorNote message={logs.load.error} onRetry={() => void logs.refresh()} />
          <NodeLogs
            entries={logs.state.entries}
            level={logs.state.query.level ?? ''}
            q={logs.state.query.q ?? ''}
            onLevel={(level) => void logs.setQuery({ level: level || undefined })}
            onSearch={(q) => void logs.setQuery({ q: q || undefined })}
          />
        </Show>
      </section>
    </div>
  )
}
