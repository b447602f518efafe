/** A node's membership status as a coloured pill. */
import type { NodeStatus } from '../api/types.js'
import { STATUS_LABEL } from '../lib/node-summary.js'

const TONE: Record<NodeStatus, string> = { alive: 'ok', leaving: 'warn', suspect: 'warn', dead: 'bad', left: 'muted' }

export function StatusBadge(props: { status: NodeStatus; testId?: string }) {
  return (
    <span class={`badge badge-${TONE[props.status] ?? 'muted'}`} data-testid={props.testId ?? 'node-status'} data-status={props.status}>
      {STATUS_LABEL[props.status] ?? props.status}
    </span>
  )
}

/** A history row's outcome: its HTTP status, green when answered, red when failed, grey when the client left. */
export function OutcomeBadge(props: { status: number; outcome: 'success' | 'error' | 'aborted' }) {
  const tone = () => (props.outcome === 'success' ? 'ok' : props.outcome === 'aborted' ? 'muted' : props.status >= 500 || props.status < 400 ? 'bad' : 'warn')
  const text = () => (props.outcome === 'aborted' ? `${props.status || ''} aborted`.trim() : props.outcome === 'error' && props.status < 400 ? `${props.status} · failed` : String(props.status || 'failed'))
  return (
    <span class={`badge badge-${tone()}`} data-outcome={props.outcome}>
      {text()}
    </span>
  )
}

/** An HTTP status: 2xx green, 4xx amber, 5xx red. */
export function HttpStatusBadge(props: { status: number }) {
  const tone = () => (props.status >= 200 && props.status < 300 ? 'ok' : props.status >= 500 || props.status === 0 ? 'bad' : 'warn')
  return <span class={`badge badge-${tone()}`}>{props.status || 'failed'}</span>
}
