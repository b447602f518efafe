// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApiClient } from '../../../ui/src/api/client.js'
import { createStores } from '../../../ui/src/providers.jsx'
import { createClusterStore } from '../../../ui/src/stores/cluster.js'
import { fakeFetch, FakeEventSource, model, node, UNAUTHORIZED } from './helpers.js'
import { mountApp, type Mounted } from './render.jsx'

const session = (role: 'admin' | 'viewer', mustChangePassword = false) => ({
  user: { id: 'u1', username: role === 'admin' ? 'root' : 'watcher', role, mustChangePassword },
  csrfToken: 'c1'
})

function start(path: string, routes: Parameters<typeof fakeFetch>[0]) {
  const f = fakeFetch({ 'GET /health': { status: 'ok', name: 'box-1', version: '0.1.0', uptime_s: 5 }, 'GET /api/nodes': { object: 'list', data: [] }, ...routes })
  const api = createApiClient({ fetch: f })
  const stores = createStores(api, { cluster: createClusterStore(api, { eventSource: (url) => new FakeEventSource(url) }) })
  const m = mountApp(path, api, stores)
  void stores.session.load()
  return { m, f, stores }
}

describe('dashboard app', () => {
  let m: Mounted | undefined
  beforeEach(() => {
    FakeEventSource.instances = []
  })
  afterEach(() => m?.dispose())

  it('hides admin navigation from a viewer and guards the admin route', async () => {
    const app = start('/admin', { 'GET /api/auth/me': session('viewer') })
    m = app.m
    await vi.waitFor(() => expect(m?.byTestId('sidebar')).not.toBeNull())
    expect(m.byTestId('nav-cluster')).not.toBeNull()
    expect(m.byTestId('nav-admin')).toBeNull()
    // the API reference is the node's own page, for every signed-in user
    expect(m.byTestId('nav-api-docs')?.getAttribute('href')).toBe('/docs')
    expect(m.byTestId('forbidden')).not.toBeNull()
    expect(m.byTestId('admin-page')).toBeNull()
    expect(app.f.calls.some((c) => c.url.startsWith('/api/keys'))).toBe(false)
    expect(m.byTestId('header-user')?.textContent).toContain('watcher')
  })

  it('shows admin navigation and the keys page to an admin', async () => {
    const app = start('/admin', { 'GET /api/auth/me': session('admin'), 'GET /api/keys': { data: [] }, 'GET /api/users': { data: [session('admin').user] } })
    m = app.m
    await vi.waitFor(() => expect(m?.byTestId('admin-page')).not.toBeNull())
    expect(m.byTestId('nav-admin')).not.toBeNull()
    await vi.waitFor(() => expect(m?.byTestId('keys-table')).not.toBeNull())
  })

  it('goes to the login page when the session is missing, and back after signing in', async () => {
    const app = start('/requests', {
      'GET /api/auth/me': UNAUTHORIZED,
      'POST /api/auth/login': session('admin'),
      'GET /api/history': { data: [], total: 0, page: 1, per_page: 50 },
      'GET /v1/models': { object: 'list', data: [] }
    })
    m = app.m
    await vi.waitFor(() => expect(m?.byTestId('login-form')).not.toBeNull())
    expect(app.m.history.get()).toBe('/login?next=%2Frequests')
    const input = (id: string, value: string) => {
      const el = m?.byTestId(id) as HTMLInputElement
      el.value = value
      el.dispatchEvent(new Event('input', { bubbles: true }))
    }
    input('login-username', 'root')
    input('login-password', 'pw')
    ;(m.byTestId('login-submit') as HTMLButtonElement).click()
    await vi.waitFor(() => expect(m?.byTestId('requests-page')).not.toBeNull())
    expect(app.f.calls.find((c) => c.url === '/api/auth/login')?.body).toEqual({ username: 'root', password: 'pw' })
  })

  it('sends the user to login when a later call answers 401', async () => {
    const app = start('/', { 'GET /api/auth/me': session('admin'), 'GET /api/history': UNAUTHORIZED })
    m = app.m
    await vi.waitFor(() => expect(m?.byTestId('cluster-page')).not.toBeNull())
    await app.stores.history.refresh()
    await vi.waitFor(() => expect(m?.byTestId('login-form')).not.toBeNull())
    expect(m.root.textContent).toContain('Your session has ended')
    expect(FakeEventSource.last().closed).toBe(true)
  })

  it('asks for a new password before anything else when the account must change it', async () => {
    const app = start('/', { 'GET /api/auth/me': session('admin', true) })
    m = app.m
    await vi.waitFor(() => expect(m?.byTestId('change-password')).not.toBeNull())
    expect(m.byTestId('sidebar')).toBeNull()
    // the agent refuses everything but the password change until it is done: no live stream yet
    expect(FakeEventSource.instances).toHaveLength(0)
    expect(app.f.calls.some((c) => c.url === '/api/nodes')).toBe(false)
  })

  it('renders live node cards and the getting-started hints for a lone node without models', async () => {
    const app = start('/', {})
    m = app.m
    await vi.waitFor(() => expect(m?.byTestId('cluster-page')).not.toBeNull())
    const es = FakeEventSource.last()
    es.open()
    es.emit('nodes', { object: 'list', data: [node({ name: 'box-1', self: true, models: [] })] })
    await vi.waitFor(() => expect(m?.allByTestId('node-card')).toHaveLength(1))
    expect(m.byTestId('add-node-command')?.textContent).toBe('llmlb serve --cluster-key <key> --peer 10.0.0.5:32769')
    expect(m.byTestId('add-model-command')).not.toBeNull()
    expect(m.byTestId('header-node')?.textContent).toBe('box-1')
    expect(m.byTestId('nav-admin')).not.toBeNull()

    es.emit('nodes', { object: 'list', data: [node({ name: 'box-1', self: true }), node({ name: 'box-2', models: [model({ slotsBusy: 1 })] })] })
    await vi.waitFor(() => expect(m?.allByTestId('node-card')).toHaveLength(2))
    expect(m.byTestId('getting-started')).toBeNull()
  })

  it('says calmly when a feature is not on this node yet', async () => {
    const app = start('/stats', {})
    m = app.m
    await vi.waitFor(() => expect(m?.byTestId('unavailable')).not.toBeNull())
    expect(m.byTestId('unavailable')?.textContent).toContain('Token statistics is not available on this node yet')
  })
})

describe('useX outside its provider', () => {
  it('throws a clear error', async () => {
    const { useCluster } = await import('../../../ui/src/stores/cluster.js')
    expect(() => useCluster()).toThrow('useCluster() called outside <ClusterProvider>')
  })
})
