/**
 * /login. Signed-in users (or a node without accounts) go straight on to `?next=` (default the
 * cluster page). A forced password change is handled by the shell after the redirect.
 */
import { Navigate, useSearchParams } from '@solidjs/router'
import { Match, Switch } from 'solid-js'
import { Loading } from '../../components/states.jsx'
import { useSession } from '../../stores/session.js'
import { LoginForm } from './login-form.jsx'

/** Only same-site paths are followed after login (no open redirect). */
export function safeNext(next: string | string[] | undefined): string {
  const v = Array.isArray(next) ? next[0] : next
  return v && v.startsWith('/') && !v.startsWith('//') && !v.startsWith('/login') ? v : '/'
}

export function LoginPage() {
  const session = useSession()
  const [params] = useSearchParams()
  return (
    <div class="splash">
      <Switch>
        <Match when={session.state.status === 'loading'}>
          <Loading />
        </Match>
        <Match when={session.canEnter()}>
          <Navigate href={safeNext(params.next)} />
        </Match>
        <Match when={true}>
          <LoginForm
            busy={session.state.busy}
            error={session.state.error}
            onSubmit={(u, p) => void session.login(u, p)}
          />
        </Match>
      </Switch>
    </div>
  )
}
