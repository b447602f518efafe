/** The line of totals above the cards. */
import { formatTokensPerSecond } from '../../lib/format.js'

export interface ClusterTotals {
  nodes: number
  alive: number
  modelsLoaded: number
  slotsBusy: number
  slotsTotal: number
  queueDepth: number
  tokensPerSecond: number
}

export function ClusterSummary(props: { totals: ClusterTotals }) {
  return (
    <dl class="summary" data-testid="cluster-summary">
      <div>
        <dt>Nodes</dt>
        <dd>
          {props.totals.alive} <span class="muted">/ {props.totals.nodes} up</span>
        </dd>
      </div>
      <div>
        <dt>Models loaded</dt>
        <dd>{props.totals.modelsLoaded}</dd>
      </div>
      <div>
        <dt>Slots busy</dt>
        <dd>
          {props.totals.slotsBusy} <span class="muted">/ {props.totals.slotsTotal}</span>
        </dd>
      </div>
      <div>
        <dt>Queued</dt>
        <dd>{props.totals.queueDepth}</dd>
      </div>
      <div>
        <dt>Generating</dt>
        <dd>{formatTokensPerSecond(props.totals.tokensPerSecond)}</dd>
      </div>
    </dl>
  )
}
