/** Token usage over time as stacked bars (inline SVG), with a totals table. */
import { createSignal, onMount, Show } from 'solid-js'
import { StackedBarChart } from '../../components/bar-chart.jsx'
import { EmptyState, ErrorNote, Loading, Unavailable } from '../../components/states.jsx'
import { formatCompact, formatInteger } from '../../lib/format.js'
import { periodLabel, tokenChart, type TokenMetric } from '../../lib/token-stats.js'
import { useStats } from '../../stores/stats.js'
import { StatsControls } from './stats-controls.jsx'
import { StatsTable } from './stats-table.jsx'

const GROUP_LABEL = { model: 'Model', key: 'API key', node: 'Serving node', api: 'API', engine: 'Engine or provider' } as const

export function StatsPage() {
  const stats = useStats()
  const [metric, setMetric] = createSignal<TokenMetric>('total')
  onMount(() => void stats.refresh())
  const chart = () => tokenChart(stats.state.rows, metric())
  const unit = () => (metric() === 'requests' ? 'requests' : 'tokens')
  return (
    <div class="page" data-testid="stats-page">
      <header class="page-head">
        <h1>Statistics</h1>
      </header>
      <Show when={!stats.load.unavailable} fallback={<Unavailable feature="Token statistics" />}>
        <StatsControls
          by={stats.state.query.by}
          group={stats.state.query.group}
          metric={metric()}
          cluster={stats.state.query.cluster}
          onBy={(by) => void stats.setQuery({ by })}
          onGroup={(group) => void stats.setQuery({ group })}
          onMetric={setMetric}
          onCluster={(cluster) => void stats.setQuery({ cluster })}
        />
        <ErrorNote message={stats.load.error} onRetry={() => void stats.refresh()} />
        <Show when={stats.load.loaded} fallback={<Loading what="statistics" />}>
          <Show when={stats.state.rows.length > 0} fallback={<EmptyState title="No usage recorded yet">Requests served by the cluster will be counted here.</EmptyState>}>
            <section class="card">
              <h2>
                {formatInteger(chart().total)} {unit()} <span class="muted small">by {stats.state.query.by}, by {GROUP_LABEL[stats.state.query.group].toLowerCase()}</span>
              </h2>
              <StackedBarChart
                bars={chart().bars}
                groups={chart().groups}
                format={formatCompact}
                formatLabel={periodLabel}
                label={`${unit()} per ${stats.state.query.by}`}
              />
            </section>
            <section class="card">
              <StatsTable rows={stats.state.rows} groupLabel={GROUP_LABEL[stats.state.query.group]} />
            </section>
          </Show>
        </Show>
      </Show>
    </div>
  )
}
