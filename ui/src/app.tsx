/** The router and the providers. Pages are lazy-free: the whole dashboard is one small bundle. */
import { Route, Router } from '@solidjs/router'
import { onMount } from 'solid-js'
import { createApiClient, type ApiClient } from './api/client.js'
import { AppProviders, createStores, type Stores } from './providers.jsx'
import { AdminOnly } from './pages/shell/admin-only.jsx'
import { Shell } from './pages/shell/shell.jsx'
import { NotFoundPage } from './pages/shell/not-found.jsx'
import { ClusterPage } from './pages/cluster/cluster-page.jsx'
import { NodePage } from './pages/node/node-page.jsx'
import { ModelsPage } from './pages/models/models-page.jsx'
import { RequestsPage } from './pages/requests/requests-page.jsx'
import { StatsPage } from './pages/stats/stats-page.jsx'
import { AdminPage } from './pages/admin/admin-page.jsx'
import { PlaygroundPage } from './pages/playground/playground-page.jsx'
import { LoginPage } from './pages/login/login-page.jsx'
import './styles/tokens.css'
import './styles/base.css'
import './styles/cards.css'
import './styles/controls.css'
import './styles/data.css'
import './styles/playground.css'

/** The route table; `App` mounts it in a browser Router, tests in a MemoryRouter. */
export function AppRoutes() {
  return (
    <>
      <Route path="/login" component={LoginPage} />
      <Route path="/" component={Shell}>
        <Route path="/" component={ClusterPage} />
        <Route path="/nodes/:name" component={NodePage} />
        <Route path="/models" component={ModelsPage} />
        <Route path="/requests" component={RequestsPage} />
        <Route path="/stats" component={StatsPage} />
        <Route path="/playground" component={PlaygroundPage} />
        <Route path="/admin" component={AdminOnly}>
          <Route path="/" component={AdminPage} />
        </Route>
        <Route path="*rest" component={NotFoundPage} />
      </Route>
    </>
  )
}

export function App(props: { api?: ApiClient; stores?: Partial<Stores> }) {
  const api = props.api ?? createApiClient()
  const stores = createStores(api, props.stores)
  onMount(() => void stores.session.load())
  return (
    <AppProviders api={api} stores={stores}>
      <Router>
        <AppRoutes />
      </Router>
    </AppProviders>
  )
}
