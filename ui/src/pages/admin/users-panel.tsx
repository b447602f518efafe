/** Accounts: create (with a temporary password the user must change), change role, delete. */
import { createSignal, For } from 'solid-js'
import type { CreateUserInput, Role, User } from '../../api/types.js'

export function UsersPanel(props: {
  users: User[]
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
                    {u.mustChangePassword ? <span class="muted small"> · must change password</span> : null}
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
          if (await props.onCreate({ username: username().trim(), password: password(), role: role() })) {
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
          <input type="password" value={password()} onInput={(e) => setPassword(e.currentTarget.value)} required minLength={8} autocomplete="new-password" data-testid="user-password" />
        </label>
        <label>
          Role
          <select value={role()} onChange={(e) => setRole(e.currentTarget.value as Role)} data-testid="user-new-role">
            <option value="viewer">viewer</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit" class="btn btn-primary" disabled={!username().trim() || password().length < 8} data-testid="user-create">
          Add user
        </button>
      </form>
    </>
  )
}
