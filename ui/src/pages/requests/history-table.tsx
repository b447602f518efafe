/** Rows of request history; a click opens the detail drawer. */
import { For, Show } from 'solid-js'
import type { HistoryEntry } from '../../api/types.js'
import { HttpStatusBadge } from '../../components/status-badge.jsx'
import { formatDuration, formatInteger, formatTimestamp } from '../../lib/format.js'

export function HistoryTable(props: { rows: HistoryEntry[]; onOpen?: (id: string) => void; compact?: boolean; emptyText?: string }) {
  return (
    <div class="table-wrap">
      <table class="table table-hover" data-testid="history-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Model</th>
            <Show when={!props.compact}>
              <th class="opt">API</th>
              <th class="opt">Ingress</th>
            </Show>
            <th>Served by</th>
            <th>Route</th>
            <th>Status</th>
            <th class="num">Duration</th>
            <th class="num opt">TTFT</th>
            <th class="num">Tokens in / out</th>
          </tr>
        </thead>
        <tbody>
          <For
            each={props.rows}
            fallback={
              <tr>
                <td colspan="10" class="muted">
                  {props.emptyText ?? 'No requests match.'}
                </td>
              </tr>
            }
          >
            {(r) => (
              <tr
                data-testid="history-row"
                data-id={r.id}
                tabIndex={props.onOpen ? 0 : undefined}
                class={props.onOpen ? 'clickable' : undefined}
                onClick={() => props.onOpen?.(r.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') props.onOpen?.(r.id)
                }}
              >
                <td class="nowrap">{formatTimestamp(r.time)}</td>
                <td class="mono">{r.model}</td>
                <Show when={!props.compact}>
                  <td class="opt">{r.api}</td>
                  <td class="opt">{r.ingressNode}</td>
                </Show>
                <td class="nowrap">{r.servedBy || '—'}</td>
                <td class="nowrap" title={r.routeReason}>
                  {r.hops > 0 ? `forwarded (${r.hops})` : 'local'}
                  <Show when={r.routeReason}>
                    <span class="muted small"> · {r.routeReason}</span>
                  </Show>
                </td>
                <td>
                  <HttpStatusBadge status={r.status} />
                </td>
                <td class="num">{formatDuration(r.durationMs)}</td>
                <td class="num opt">{formatDuration(r.ttftMs)}</td>
                <td class="num">
                  {formatInteger(r.inputTokens)} / {formatInteger(r.outputTokens)}
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  )
}
