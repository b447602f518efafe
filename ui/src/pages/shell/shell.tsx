/**
 * The frame around every signed-in page: sidebar, top bar, content. Also the session gate: while
 * the session loads it shows a splash, when signed out it goes to /login (remembering where the user
 * was), and a forced password change comes before anything else. The live cluster stream runs only
 * while someone may see it.
 */
import { Navigate, useLocation, type RouteSectionProps } from '@solidjs/router'
import { createEffect, createResource, Match, onCleanup, Switch } from 'solid-js'
import { createTheme } from '../../browser/theme.js'
import { Header } from '../../components/header.jsx'
import { Sidebar } from '../../components/sidebar.jsx'
import { ErrorNote, Loading } from '../../components/states.jsx'
import { navItemsFor } from '../../lib/nav.js'
import { useApi } from '../../stores/api.js'
import { useCluster } from '../../stores/cluster.js'
import { useSession } from '../../stores/session.js'
import { ChangePasswordForm } from '../login/change-password-form.jsx'

export function Shell(props: RouteSectionProps) {
  const session = useSession()
  const cluster = useCluster()
  const api = useApi()
  const location = useLocation()
  const { theme, cycle } = createTheme()
  const [health] = createResource(
    () => session.canEnter(),
    () => api.health().catch(() => null)
  )

  // the agent answers 403 to everything but the password change until it is done
  createEffect(() => {
    if (session.ready()) cluster.start()
    else cluster.stop()
  })
  onCleanup(() => cluster.stop())

  const nextParam = () => encodeURIComponent(location.pathname + location.search)
  const self = () => cluster.self()

  return (
    <Switch>
      <Match when={session.state.status === 'loading'}>
        <div class="splash">
          <Loading what="the dashboard" />
        </div>
      </Match>
      <Match when={session.state.status === 'error'}>
        <div class="splash">
          <ErrorNote message={session.state.error} onRetry={() => void session.load()} />
        </div>
      </Match>
      <Match when={session.state.status === 'signed-out'}>
        <Navigate href={`/login?next=${nextParam()}`} />
      </Match>
      <Match when={session.state.user?.mustChangePassword}>
        <div class="splash">
          <ChangePasswordForm
            forced
            username={session.state.user?.username}
            busy={session.state.busy}
            error={session.state.error}
            onSubmit={(current, next) => void session.changePassword(current, next)}
            onSignOut={() => void session.logout()}
          />
        </div>
      </Match>
      <Match when={true}>
        <div class="app">
          <Sidebar items={navItemsFor(session.role())} />
          <div class="main-col">
            <Header
              nodeName={self()?.name ?? health()?.name ?? null}
              version={self()?.version ?? health()?.version ?? null}
              connection={cluster.state.connection}
              user={session.state.user}
              theme={theme()}
              onTheme={cycle}
              onLogout={() => void session.logout()}
            />
            <main class="content" id="content">
              {props.children}
            </main>
          </div>
        </div>
      </Match>
    </Switch>
  )
}
