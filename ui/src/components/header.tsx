/** Top bar: this node's name, the live-connection state, theme toggle, and the signed-in user. */
import { Show } from 'solid-js'
import type { User } from '../api/types.js'
import type { ThemeChoice } from '../browser/theme.js'
import type { Connection } from '../stores/cluster.js'

const CONNECTION_TEXT: Record<Connection, string> = {
  idle: 'offline',
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  polling: 'polling'
}

export function Header(props: {
  nodeName: string | null
  version: string | null
  connection: Connection
  user: User | null
  theme: ThemeChoice
  onTheme: () => void
  onLogout: () => void
}) {
  return (
    <header class="topbar" data-testid="topbar">
      <div class="topbar-node">
        <span class="muted">Node</span>
        <strong data-testid="header-node">{props.nodeName ?? '…'}</strong>
        <Show when={props.version}>
          <span class="muted small">v{props.version}</span>
        </Show>
        <span class={`conn conn-${props.connection}`} data-testid="connection" title="Live updates from this node">
          {CONNECTION_TEXT[props.connection]}
        </span>
      </div>
      <div class="topbar-actions">
        <button type="button" class="btn btn-ghost" onClick={() => props.onTheme()} title="Theme: system, light or dark" data-testid="theme-toggle">
          Theme: {props.theme}
        </button>
        <Show when={props.user}>
          {(user) => (
            <>
              <span class="user" data-testid="header-user">
                {user().username}
                <span class="muted small"> · {user().role}</span>
              </span>
              <button type="button" class="btn btn-ghost" onClick={() => props.onLogout()} data-testid="logout">
                Sign out
              </button>
            </>
          )}
        </Show>
      </div>
    </header>
  )
}
