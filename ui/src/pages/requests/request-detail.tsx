/** The drawer's content: one request's facts, then its stored request and response bodies. */
import { Show } from 'solid-js'
import type { HistoryDetailView } from '../../api/types.js'
import { OutcomeBadge } from '../../components/status-badge.jsx'
import { formatDuration, formatInteger, formatTimestamp } from '../../lib/format.js'

export function RequestDetail(props: { detail: HistoryDetailView; loading: boolean; error: string | null }) {
  const d = () => props.detail
  return (
    <div class="request-detail" data-testid="request-detail">
      <dl class="kv">
        <dt>Request id</dt>
        <dd class="mono">{d().id}</dd>
        <dt>Time</dt>
        <dd>{formatTimestamp(d().ts)}</dd>
        <dt>Status</dt>
        <dd>
          <OutcomeBadge status={d().status} outcome={d().outcome} />
        </dd>
        <dt>Model</dt>
        <dd class="mono">{d().model ?? '—'}</dd>
        <dt>API</dt>
        <dd>
          {d().api}
          {d().stream ? ' · streamed' : ''}
        </dd>
        <dt>Client</dt>
        <dd>
          {d().clientAddress}
          <Show when={d().apiKeyId}>
            <span class="muted"> · key </span>
            <span class="mono">{d().apiKeyId}</span>
          </Show>
        </dd>
        <dt>Ingress node</dt>
        <dd>{d().ingressNode}</dd>
        <dt>Served by</dt>
        <dd>{d().servedBy ?? '—'}</dd>
        <dt>Route</dt>
        <dd>
          {d().route === 'forwarded' ? `forwarded, ${d().hops} hop${d().hops === 1 ? '' : 's'}` : (d().route ?? '—')}
          <Show when={d().reason}> · {d().reason}</Show>
        </dd>
        <dt>Duration</dt>
        <dd>
          {formatDuration(d().durationMs)}{' '}
          <span class="muted">
            (first byte {formatDuration(d().ttftMs)}
            {d().queueWaitMs ? `, queued ${formatDuration(d().queueWaitMs)}` : ''})
          </span>
        </dd>
        <dt>Tokens</dt>
        <dd>
          {formatInteger(d().inputTokens)} in · {d().tokensEstimated ? '~' : ''}
          {formatInteger(d().outputTokens)} out
          <Show when={d().tokensEstimated}>
            <span class="muted small"> (estimated: the answer carried no usage)</span>
          </Show>
        </dd>
      </dl>
      <Show when={d().error}>
        {(e) => (
          <p class="note note-bad">
            <span class="mono small">{e().code}</span> {e().message}
          </p>
        )}
      </Show>
      <Show when={props.loading}>
        <p class="muted">Loading bodies…</p>
      </Show>
      <Show when={props.error}>
        <p class="note note-bad">{props.error}</p>
      </Show>
      <Show when={!props.loading && d().requestBody === null && d().responseBody === null}>
        <p class="muted">The bodies of this request were not stored.</p>
      </Show>
      <Show when={d().bodiesTruncated}>
        <p class="muted small">The stored bodies were cut to the node's size limit.</p>
      </Show>
      <Show when={d().requestBody}>
        {(body) => (
          <>
            <h3>Request</h3>
            <pre class="code" data-testid="detail-request">
              {pretty(body())}
            </pre>
          </>
        )}
      </Show>
      <Show when={d().responseBody}>
        {(body) => (
          <>
            <h3>Response</h3>
            <pre class="code" data-testid="detail-response">
              {pretty(body())}
            </pre>
          </>
        )}
      </Show>
    </div>
  )
}

/** JSON is indented; anything else (a streamed answer's SSE text, a cut body) is shown as stored. */
export function pretty(v: string): string {
  try {
    return JSON.stringify(JSON.parse(v), null, 2)
  } catch {
    return v
  }
}
