/**
 * Models of the whole cluster; refetched when the set of loaded models in the live view changes. Below:
 * the pull form and what every node stores, refreshed every PULL_POLL_MS while a pull runs.
 */
import { createEffect, createMemo, on, onCleanup, Show } from 'solid-js'
import { ErrorNote, Loading } from '../../components/states.jsx'
import { modelRows } from '../../lib/model-placement.js'
import { useCluster } from '../../stores/cluster.js'
import { useModels } from '../../stores/models.js'
import { ModelsTable } from './models-table.jsx'
import { ModelPullForm } from './model-pull-form.jsx'
import { StoredModels } from './stored-models.jsx'
import { NodeEngines } from './node-engines.jsx'
import { SplitModels } from './split-models.jsx'
import { useApi } from '../../stores/api.js'

/** Refresh of the stored models and pull progress while a pull runs, or after a model change (ms). */
export const PULL_POLL_MS = 1000

export function ModelsPage() {
  const models = useModels()
  const cluster = useCluster()
  const api = useApi()
  // "node:model" of every loaded model; a change means /v1/models changed too
  const signature = createMemo(() =>
    cluster.state.nodes
      .flatMap((n) => n.models.filter((m) => m.loaded && n.status === 'alive').map((m) => `${n.name}:${m.id}`))
      .sort()
      .join('|')
  )
  createEffect(on(signature, () => void models.refresh()))
  createEffect(on(signature, () => void models.refreshStored()))
  // every node's download progress: polled while one runs (the event stream carries one node's)
  const timer = setInterval(() => {
    if (models.pulling()) void models.refreshStored()
  }, PULL_POLL_MS)
  onCleanup(() => clearInterval(timer))
  // live: a `models` event on the cluster stream (this node's pull progress, loads) refreshes at once,
  // at most every PULL_POLL_MS
  let lastEventRefresh = 0
  createEffect(
    on(
      () => cluster.state.modelsChangedAt,
      (at) => {
        if (at === 0 || at - lastEventRefresh < PULL_POLL_MS) return
        lastEventRefresh = at
        void models.refreshStored()
      }
    )
  )
  const rows = () => modelRows(models.state.models, cluster.state.nodes)
  // split models: their state and workers are in the adverts, so any change there refreshes the list
  const shardKey = createMemo(() =>
    cluster.state.nodes
      .flatMap((n) => n.models.filter((m) => m.sharded).map((m) => `${n.name}:${m.id}:${m.sharded?.state}:${m.sharded?.workers.map((w) => w.name).join(',')}`))
      .sort()
      .join('|')
  )
  return (
    <div class="page" data-testid="models-page">
      <header class="page-head">
        <h1>Models</h1>
      </header>
      <ErrorNote message={models.load.error} onRetry={() => void models.refresh()} />
      <Show when={models.load.loaded || cluster.state.updatedAt > 0} fallback={<Loading what="models" />}>
        <ModelsTable rows={rows()} />
      </Show>
      <SplitModels api={api} refreshKey={shardKey} />
      <NodeEngines api={api} refreshKey={signature} />
      <ModelPullForm />
      <StoredModels nodes={models.state.stored} />
    </div>
  )
}
