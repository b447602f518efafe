/** The calm states every page shares: loading, empty, failed, and "not on this node yet". */
import { Show, type JSX } from 'solid-js'

export function Loading(props: { what?: string }) {
  return (
    <p class="state state-loading" role="status">
      Loading{props.what ? ` ${props.what}` : ''}…
    </p>
  )
}

export function EmptyState(props: { title: string; children?: JSX.Element; testId?: string }) {
  return (
    <section class="state state-empty" data-testid={props.testId ?? 'empty-state'}>
      <h3>{props.title}</h3>
      {props.children}
    </section>
  )
}

export function ErrorNote(props: { message: string | null; onRetry?: () => void }) {
  return (
    <Show when={props.message}>
      <div class="note note-bad" role="alert" data-testid="error-note">
        <span>{props.message}</span>
        <Show when={props.onRetry}>
          <button type="button" class="btn btn-small" onClick={() => props.onRetry?.()}>
            Retry
          </button>
        </Show>
      </div>
    </Show>
  )
}

/** Shown when an endpoint answers 404: this agent does not have the feature yet. */
export function Unavailable(props: { feature: string }) {
  return (
    <section class="state state-unavailable" data-testid="unavailable">
      <h3>{props.feature} is not available on this node yet</h3>
      <p class="muted">This agent does not offer it. Nodes running a newer llmlb will show it here.</p>
    </section>
  )
}
