/** By day/month, group by model/key/node/API, which figure, and cluster scope. */
import type { StatsBy, StatsGroup } from '../../api/types.js'
import type { TokenMetric } from '../../lib/token-stats.js'

export function StatsControls(props: {
  by: StatsBy
  group: StatsGroup
  metric: TokenMetric
  cluster: boolean
  onBy: (by: StatsBy) => void
  onGroup: (g: StatsGroup) => void
  onMetric: (m: TokenMetric) => void
  onCluster: (c: boolean) => void
}) {
  return (
    <div class="toolbar" data-testid="stats-controls">
      <label>
        Period
        <select value={props.by} onChange={(e) => props.onBy(e.currentTarget.value as StatsBy)} data-testid="stats-by">
          <option value="day">by day</option>
          <option value="month">by month</option>
        </select>
      </label>
      <label>
        Group
        <select value={props.group} onChange={(e) => props.onGroup(e.currentTarget.value as StatsGroup)} data-testid="stats-group">
          <option value="model">by model</option>
          <option value="key">by API key</option>
          <option value="node">by serving node</option>
          <option value="api">by API</option>
          <option value="engine">by engine or cloud provider</option>
        </select>
      </label>
      <label>
        Show
        <select value={props.metric} onChange={(e) => props.onMetric(e.currentTarget.value as TokenMetric)} data-testid="stats-metric">
          <option value="total">all tokens</option>
          <option value="input">input tokens</option>
          <option value="output">output tokens</option>
          <option value="requests">requests</option>
        </select>
      </label>
      <label class="check">
        <input type="checkbox" checked={props.cluster} onChange={(e) => props.onCluster(e.currentTarget.checked)} />
        Whole cluster
      </label>
    </div>
  )
}
