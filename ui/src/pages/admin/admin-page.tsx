/** Keys & users (admins only; the route is guarded by AdminOnly). */
import { onMount, Show } from 'solid-js'
import { ErrorNote, Loading, Unavailable } from '../../components/states.jsx'
import { useKeys } from '../../stores/keys.js'
import { useSession } from '../../stores/session.js'
import { useUsers } from '../../stores/users.js'
import { KeyForm } from './key-form.jsx'
import { KeySecret } from './key-secret.jsx'
import { KeysTable } from './keys-table.jsx'
import { UsersPanel } from './users-panel.jsx'
import { CloudsPanel } from './clouds-panel.jsx'

export function AdminPage() {
  const keys = useKeys()
  const users = useUsers()
  const session = useSession()
  onMount(() => {
    void keys.refresh()
    void keys.loadScopes()
    void users.refresh()
  })
  return (
    <div class="page" data-testid="admin-page">
      <header class="page-head">
        <h1>Keys & users</h1>
      </header>
      <Show when={session.state.status === 'open'}>
        <p class="note note-warn" data-testid="auth-off-note">
          Authentication is off on this node (--auth off): keys and users made here are kept, but nothing checks them until the node runs with authentication on.
        </p>
      </Show>

      <section class="card">
        <h2>API keys</h2>
        <p class="muted">
          Clients send a key as <code>Authorization: Bearer &lt;key&gt;</code> to any node; the OpenAI SDKs do that with their <code>apiKey</code> option.
        </p>
        <Show when={!keys.load.unavailable} fallback={<Unavailable feature="API key management" />}>
          <Show when={keys.state.created}>
            {(c) => <KeySecret name={c().name} secret={c().key} onDismiss={() => keys.dismissCreated()} />}
          </Show>
          <KeyForm scopes={keys.state.scopes} onCreate={(input) => keys.create(input)} />
          <ErrorNote message={keys.state.actionError ?? keys.load.error} onRetry={() => void keys.refresh()} />
          <Show when={keys.load.loaded} fallback={<Loading what="keys" />}>
            <KeysTable keys={keys.state.keys} onRevoke={(id) => void keys.revoke(id)} />
          </Show>
        </Show>
      </section>

      <section class="card">
        <h2>Cloud providers</h2>
        <p class="muted">
          Models named <code>openai:…</code>, <code>anthropic:…</code> or <code>google:…</code> answer on every node once one node holds the provider’s key: from its environment (<code>ANTHROPIC_API_KEY</code>…) or stored for the cluster, sealed, with <code>PUT /api/clouds/:provider</code>. Keys are never shown again.
        </p>
        <CloudsPanel />
      </section>

      <section class="card">
        <h2>Users</h2>
        <p class="muted">Admins manage keys and users. Viewers see the cluster, requests, statistics and logs, and may use the playground.</p>
        <Show when={!users.load.unavailable} fallback={<Unavailable feature="User management" />}>
          <ErrorNote message={users.state.actionError ?? users.load.error} onRetry={() => void users.refresh()} />
          <Show when={users.load.loaded} fallback={<Loading what="users" />}>
            <UsersPanel
              users={users.state.users}
              created={users.state.created}
              onDismissCreated={() => users.dismissCreated()}
              currentUserId={session.state.user?.id ?? null}
              onCreate={(input) => users.create(input)}
              onRole={(id, role) => void users.update(id, { role })}
              onRemove={(id) => void users.remove(id)}
            />
          </Show>
        </Show>
      </section>
    </div>
  )
}
