/** Username and password. */
import { createSignal, Show } from 'solid-js'

export function LoginForm(props: { busy: boolean; error: string | null; notice?: string | null; onSubmit: (username: string, password: string) => void }) {
  const [username, setUsername] = createSignal('')
  const [password, setPassword] = createSignal('')
  return (
    <form
      class="card form narrow"
      data-testid="login-form"
      onSubmit={(e) => {
        e.preventDefault()
        props.onSubmit(username().trim(), password())
      }}
    >
      <h2>Sign in to llmlb</h2>
      <Show when={props.notice}>
        <p class="note">{props.notice}</p>
      </Show>
      <label>
        Username
        <input name="username" autocomplete="username" value={username()} onInput={(e) => setUsername(e.currentTarget.value)} required autofocus data-testid="login-username" />
      </label>
      <label>
        Password
        <input name="password" type="password" autocomplete="current-password" value={password()} onInput={(e) => setPassword(e.currentTarget.value)} required data-testid="login-password" />
      </label>
      <Show when={props.error}>
        <p class="field-error" role="alert" data-testid="login-error">
          {props.error}
        </p>
      </Show>
      <button type="submit" class="btn btn-primary" disabled={props.busy || !username() || !password()} data-testid="login-submit">
        {props.busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p class="muted small">The first admin password is printed by the agent at its first start, or set with LLMLB_ADMIN_PASSWORD.</p>
    </form>
  )
}
