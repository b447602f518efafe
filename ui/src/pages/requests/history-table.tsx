/** Rows of request history; a click opens the detail drawer. */
import { For, Show } from 'solid-js'
import type { HistoryEntry } from '../../api/types.js'
import { OutcomeBadge } from '../../components/status-badge.jsx'
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
                <td class="nowrap">{formatTimestamp(r.ts)}</td>
                <td class="mono">{r.model ?? '—'}</td>
                <Show when={!props.compact}>
                  <td class="opt">{r.api}</td>
                  <td class="opt">{r.ingressNode}</td>
                </Show>
                <td class="nowrap">{r.servedBy || '—'}</td>
                <td class="nowrap" title={r.reason ?? undefined}>
                  {routeText(r.route, r.hops)}
                  <Show when={r.reason}>
                    <span class="muted small"> · {r.reason}</span>
                  </Show>
                </td>
                <td class="nowrap" title={r.error?.message}>
                  <OutcomeBadge status={r.status} outcome={r.outcome} />
                </td>
                <td class="num">{formatDuration(r.durationMs)}</td>
                <td class="num opt">{formatDuration(r.ttftMs)}</td>
                <td class="num" title={r.tokensEstimated ? 'estimated: the answer carried no usage' : undefined}>
                  {formatInteger(r.inputTokens)} / {r.tokensEstimated ? '~' : ''}
                  {formatInteger(r.outputTokens)}
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  )
}

/** "local", "forwarded" (with the hop count when more than one), or a dash when no node took it. */
export function routeText(route: string | null, hops: number): string {
  if (route === null) return hops > 0 ? `forwarded (${hops})` : '—'
  return route === 'forwarded' && hops > 1 ? `forwarded (${hops})` : route
}
