/** The drawer's content: one request's facts, then its request and response bodies. */
import { Show } from 'solid-js'
import type { HistoryDetail } from '../../api/types.js'
import { HttpStatusBadge } from '../../components/status-badge.jsx'
import { formatDuration, formatInteger, formatTimestamp } from '../../lib/format.js'

export function RequestDetail(props: { detail: HistoryDetail; loading: boolean; error: string | null }) {
  return (
    <div class="request-detail" data-testid="request-detail">
      <dl class="kv">
        <dt>Request id</dt>
        <dd class="mono">{props.detail.id}</dd>
        <dt>Time</dt>
        <dd>{formatTimestamp(props.detail.time)}</dd>
        <dt>Status</dt>
        <dd>
          <HttpStatusBadge status={props.detail.status} />
        </dd>
        <dt>Model</dt>
        <dd class="mono">{props.detail.model}</dd>
        <dt>API</dt>
        <dd>{props.detail.api}</dd>
        <dt>Ingress node</dt>
        <dd>{props.detail.ingressNode}</dd>
        <dt>Served by</dt>
        <dd>{props.detail.servedBy || '—'}</dd>
        <dt>Route</dt>
        <dd>
          {props.detail.hops > 0 ? `forwarded, ${props.detail.hops} hop(s)` : 'local'}
          <Show when={props.detail.routeReason}> · {props.detail.routeReason}</Show>
        </dd>
        <dt>Duration</dt>
        <dd>
          {formatDuration(props.detail.durationMs)} <span class="muted">(first token {formatDuration(props.detail.ttftMs)})</span>
        </dd>
        <dt>Tokens</dt>
        <dd>
          {formatInteger(props.detail.inputTokens)} in · {formatInteger(props.detail.outputTokens)} out
        </dd>
      </dl>
      <Show when={props.detail.error}>
        <p class="note note-bad">{props.detail.error}</p>
      </Show>
      <Show when={props.loading}>
        <p class="muted">Loading bodies…</p>
      </Show>
      <Show when={props.error}>
        <p class="note note-bad">{props.error}</p>
      </Show>
      <Show when={props.detail.request !== undefined}>
        <h3>Request</h3>
        <pre class="code" data-testid="detail-request">{pretty(props.detail.request)}</pre>
      </Show>
      <Show when={props.detail.response !== undefined}>
        <h3>Response</h3>
        <pre class="code" data-testid="detail-response">{pretty(props.detail.response)}</pre>
      </Show>
    </div>
  )
}

function pretty(v: unknown): string {
  if (typeof v === 'string') {
    try {
      return JSON.stringify(JSON.parse(v), null, 2)
    } catch {
      return v
    }
  }
  return JSON.stringify(v, null, 2)
}
