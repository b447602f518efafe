/**
 * Accounts: create (with a temporary password the user must change at first sign-in; left empty,
 * the agent generates one and it is shown once), change role, delete.
 */
import { createSignal, For, Show } from 'solid-js'
import type { CreateUserInput, Role, User } from '../../api/types.js'
import { CopyButton } from '../../components/copy-button.jsx'

export function UsersPanel(props: {
  users: User[]
  created: { username: string; password: string } | null
  onDismissCreated: () => void
  currentUserId: string | null
  onCreate: (input: CreateUserInput) => Promise<boolean>
  onRole: (id: string, role: Role) => void
  onRemove: (id: string) => void
}) {
  const [username, setUsername] = createSignal('')
  const [password, setPassword] = createSignal('')
  const [role, setRole] = createSignal<Role>('viewer')
  return (
    <>
      <div class="table-wrap">
        <table class="table" data-testid="users-table">
          <thead>
            <tr>
              <th>User</th>
              <th>Role</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For each={props.users}>
              {(u) => (
                <tr data-testid="user-row" data-username={u.username}>
                  <td>
                    {u.username}
                    {u.id === props.currentUserId ? <span class="muted small"> (you)</span> : null}
                    {u.mustChangePassword ? <span class="badge badge-warn badge-inline">temporary password</span> : null}
                  </td>
                  <td>
                    <select
                      value={u.role}
                      disabled={u.id === props.currentUserId}
                      onChange={(e) => props.onRole(u.id, e.currentTarget.value as Role)}
                      aria-label={`Role of ${u.username}`}
                      data-testid="user-role"
                    >
                      <option value="admin">admin</option>
                      <option value="viewer">viewer</option>
                    </select>
                  </td>
                  <td class="num">
                    <button
                      type="button"
                      class="btn btn-small btn-danger"
                      disabled={u.id === props.currentUserId}
                      onClick={() => {
                        if (confirm(`Delete the user “${u.username}”?`)) props.onRemove(u.id)
                      }}
                      data-testid="user-delete"
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <form
        class="form inline-form"
        data-testid="user-form"
        onSubmit={async (e) => {
          e.preventDefault()
          const input: CreateUserInput = { username: username().trim().toLowerCase(), role: role() }
          if (password()) input.password = password()
          if (await props.onCreate(input)) {
            setUsername('')
            setPassword('')
          }
        }}
      >
        <label>
          Username
          <input value={username()} onInput={(e) => setUsername(e.currentTarget.value)} required autocomplete="off" data-testid="user-name" />
        </label>
        <label>
          Temporary password
          <input
            type="password"
            value={password()}
            onInput={(e) => setPassword(e.currentTarget.value)}
            minLength={8}
            placeholder="empty: generate one"
            autocomplete="new-password"
            data-testid="user-password"
          />
        </label>
        <label>
          Role
          <select value={role()} onChange={(e) => setRole(e.currentTarget.value as Role)} data-testid="user-new-role">
            <option value="viewer">viewer</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit" class="btn btn-primary" disabled={!username().trim() || (password().length > 0 && password().length < 8)} data-testid="user-create">
          Add user
        </button>
      </form>
      <Show when={props.created}>
        {(c) => (
          <section class="note note-ok key-secret" data-testid="user-created" role="status">
            <p>
              <strong>User “{c().username}” created.</strong> Their temporary password is shown this once; they choose their own at first sign-in.
            </p>
            <div class="command">
              <input class="mono secret" readOnly value={c().password} onFocus={(e) => e.currentTarget.select()} data-testid="user-secret" aria-label="The temporary password" />
              <CopyButton text={c().password} testId="user-copy" />
            </div>
            <button type="button" class="btn btn-small" onClick={() => props.onDismissCreated()} data-testid="user-dismiss">
              Done
            </button>
          </section>
        )}
      </Show>
    </>
  )
}
