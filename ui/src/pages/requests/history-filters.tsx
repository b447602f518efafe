/** The filter bar of the Requests page. Text search applies on Enter or blur; selects at once. */
import { For } from 'solid-js'
import type { HistoryQuery, StatusFilter, TimeRange } from '../../lib/history-query.js'

const RANGES: { value: TimeRange; label: string }[] = [
  { value: '1h', label: 'last hour' },
  { value: '24h', label: 'last 24 hours' },
  { value: '7d', label: 'last 7 days' },
  { value: '30d', label: 'last 30 days' },
  { value: 'all', label: 'all time' }
]

export function HistoryFilters(props: { query: HistoryQuery; models: string[]; nodes: string[]; onChange: (patch: Partial<HistoryQuery>) => void }) {
  return (
    <form class="toolbar filters" data-testid="history-filters" onSubmit={(e) => e.preventDefault()}>
      <label>
        Model
        <select value={props.query.model} onChange={(e) => props.onChange({ model: e.currentTarget.value })} data-testid="filter-model">
          <option value="">all models</option>
          <For each={withCurrent(props.models, props.query.model)}>{(m) => <option value={m}>{m}</option>}</For>
        </select>
      </label>
      <label>
        Node
        <select value={props.query.node} onChange={(e) => props.onChange({ node: e.currentTarget.value })} data-testid="filter-node">
          <option value="">all nodes</option>
          <For each={withCurrent(props.nodes, props.query.node)}>{(n) => <option value={n}>{n}</option>}</For>
        </select>
      </label>
      <label>
        Status
        <select value={props.query.status} onChange={(e) => props.onChange({ status: e.currentTarget.value as StatusFilter })} data-testid="filter-status">
          <option value="">any</option>
          <option value="success">succeeded</option>
          <option value="error">failed</option>
          <option value="aborted">aborted</option>
        </select>
      </label>
      <label>
        Time
        <select value={props.query.range} onChange={(e) => props.onChange({ range: e.currentTarget.value as TimeRange })} data-testid="filter-range">
          <For each={RANGES}>{(r) => <option value={r.value}>{r.label}</option>}</For>
        </select>
      </label>
      <label class="grow">
        Search
        <input
          type="search"
          placeholder="request id, text…"
          value={props.query.q}
          onChange={(e) => props.onChange({ q: e.currentTarget.value })}
          data-testid="filter-q"
        />
      </label>
      <label class="check">
        <input type="checkbox" checked={props.query.cluster} onChange={(e) => props.onChange({ cluster: e.currentTarget.checked })} data-testid="filter-cluster" />
        Whole cluster
      </label>
    </form>
  )
}

/** Options plus the selected value, so a filter from the URL stays visible even if unknown now. */
function withCurrent(options: string[], current: string): string[] {
  return current && !options.includes(current) ? [...options, current] : options
}
