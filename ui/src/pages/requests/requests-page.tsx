/**
 * Request history: filters (kept in the page URL), the table, pages, a detail drawer, and export.
 * "Whole cluster" asks every node (`scope=cluster`); off, only this node's own history.
 */
import { useSearchParams } from '@solidjs/router'
import { createMemo, onMount, Show } from 'solid-js'
import { Drawer } from '../../components/drawer.jsx'
import { Pagination } from '../../components/pagination.jsx'
import { ErrorNote, Loading, Unavailable } from '../../components/states.jsx'
import { fromPageParams, pageCount, toPageParams, type HistoryQuery } from '../../lib/history-query.js'
import { useCluster } from '../../stores/cluster.js'
import { useHistory } from '../../stores/history.js'
import { useModels } from '../../stores/models.js'
import { HistoryFilters } from './history-filters.jsx'
import { HistoryTable } from './history-table.jsx'
import { RequestDetail } from './request-detail.jsx'

export function RequestsPage() {
  const history = useHistory()
  const models = useModels()
  const cluster = useCluster()
  const [params, setParams] = useSearchParams()

  onMount(() => {
    if (!models.load.loaded) void models.refresh()
    const fromUrl = fromPageParams(params)
    void history.setQuery({ ...fromUrl, perPage: history.state.query.perPage })
  })

  const change = (patch: Partial<HistoryQuery>): void => {
    void history.setQuery(patch)
    setParams(toPageParams(history.state.query), { replace: true })
  }
  const goTo = (page: number): void => {
    void history.setPage(page)
    setParams(toPageParams(history.state.query), { replace: true })
  }
  const modelIds = createMemo(() =>
    [...new Set([...models.state.models.map((m) => m.id), ...history.state.rows.flatMap((r) => (r.model === null ? [] : [r.model]))])].sort()
  )
  const nodeNames = createMemo(() => cluster.state.nodes.map((n) => n.name).sort())

  return (
    <div class="page" data-testid="requests-page">
      <header class="page-head">
        <h1>Requests</h1>
        <Show when={!history.load.unavailable}>
          <div class="actions">
            <a class="btn btn-small" href={history.exportUrl('csv')} download="" data-testid="export-csv">
              Export CSV
            </a>
            <a class="btn btn-small" href={history.exportUrl('json')} download="" data-testid="export-json">
              Export JSON
            </a>
          </div>
        </Show>
      </header>
      <Show when={!history.load.unavailable} fallback={<Unavailable feature="Request history" />}>
        <HistoryFilters query={history.state.query} models={modelIds()} nodes={nodeNames()} onChange={change} />
        <ErrorNote message={history.load.error} onRetry={() => void history.refresh()} />
        <Show when={history.load.loaded} fallback={<Loading what="requests" />}>
          <Show when={history.state.query.cluster && history.state.nodesAnswered}>
            {(answered) => (
              <p class={history.state.nodesFailed.length > 0 ? 'note note-warn small' : 'muted small'} data-testid="nodes-answered" title={answered().join(', ')}>
                {answered().length} of {answered().length + history.state.nodesFailed.length} nodes answered
                <Show when={history.state.nodesFailed.length > 0}>
                  {': no answer from '}
                  {history.state.nodesFailed.map((f) => f.node).join(', ')}, so their requests are missing
                </Show>
                .
              </p>
            )}
          </Show>
          <HistoryTable rows={history.state.rows} onOpen={(id) => void history.open(id)} />
          <Pagination
            page={history.state.query.page}
            pages={pageCount(history.state.total, history.state.query.perPage)}
            total={history.state.total}
            atLeast={!history.state.totalExact}
            onPage={goTo}
          />
        </Show>
      </Show>
      <Drawer open={history.state.detail !== null} title="Request" onClose={() => history.close()} testId="request-drawer">
        <Show when={history.state.detail}>
          {(d) => <RequestDetail detail={d()} loading={history.state.detailLoading} error={history.state.detailError} />}
        </Show>
      </Drawer>
    </div>
  )
}
