/** Models of the whole cluster; refetched when the set of loaded models in the live view changes. */
import { createEffect, createMemo, on, Show } from 'solid-js'
import { ErrorNote, Loading } from '../../components/states.jsx'
import { modelRows } from '../../lib/model-placement.js'
import { useCluster } from '../../stores/cluster.js'
import { useModels } from '../../stores/models.js'
import { ModelsTable } from './models-table.jsx'

export function ModelsPage() {
  const models = useModels()
  const cluster = useCluster()
  // "node:model" of every loaded model; a change means /v1/models changed too
  const signature = createMemo(() =>
    cluster.state.nodes
      .flatMap((n) => n.models.filter((m) => m.loaded && n.status === 'alive').map((m) => `${n.name}:${m.id}`))
      .sort()
      .join('|')
  )
  createEffect(on(signature, () => void models.refresh()))
  const rows = () => modelRows(models.state.models, cluster.state.nodes)
  return (
    <div class="page" data-testid="models-page">
      <header class="page-head">
        <h1>Models</h1>
      </header>
      <ErrorNote message={models.load.error} onRetry={() => void models.refresh()} />
      <Show when={models.load.loaded || cluster.state.updatedAt > 0} fallback={<Loading what="models" />}>
        <ModelsTable rows={rows()} />
      </Show>
    </div>
  )
}
