// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SCOPES } from '../../../agent/src/auth/scopes.js'
import { createApiClient } from '../../../ui/src/api/client.js'
import { KNOWN_SCOPES, matchingPreset, scopePresets } from '../../../ui/src/lib/key-scopes.js'
import { createStores } from '../../../ui/src/providers.jsx'
import { createClusterStore } from '../../../ui/src/stores/cluster.js'
import { fakeFetch, FakeEventSource, json } from './helpers.js'
import { mountApp, type Mounted } from './render.jsx'

const admin = { id: 'u1', username: 'root', role: 'admin', mustChangePassword: false, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' }
const listedKey = {
  id: 'k1',
  name: 'initial',
  prefix: 'llmlb_initial_abcd',
  scopes: ['inference', 'models:read'],
  owner: 'system:bootstrap',
  createdAt: '2025-01-01T00:00:00.000Z',
  expiresAt: null,
  expired: false,
  rateLimit: null
}

function start(routes: Parameters<typeof fakeFetch>[0]) {
  const f = fakeFetch({
    'GET /health': { status: 'ok', name: 'box-1', version: '0.1.0', uptime_s: 5 },
    'GET /api/nodes': { object: 'list', data: [] },
    'GET /api/auth/me': { user: admin, csrfToken: 'c1' },
    'GET /api/keys': { object: 'list', data: [listedKey] },
    'GET /api/users': { object: 'list', data: [admin] },
    ...routes
  })
  const api = createApiClient({ fetch: f })
  const stores = createStores(api, { cluster: createClusterStore(api, { eventSource: (url) => new FakeEventSource(url) }) })
  const m = mountApp('/admin', api, stores)
  void stores.session.load()
  return { m, f }
}

const checkbox = (m: Mounted, id: string) => m.byTestId(`key-scope-${id}`) as HTMLInputElement
const checked = (m: Mounted) => KNOWN_SCOPES.filter((s) => checkbox(m, s)?.checked)
function type(m: Mounted, id: string, value: string): void {
  const el = m.byTestId(id) as HTMLInputElement
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
}

describe('key scopes', () => {
  it('knows exactly the agent’s scopes', () => {
    expect([...KNOWN_SCOPES].sort()).toEqual([...SCOPES].sort())
  })

  it('offers presets made of real scopes, and recognises them', () => {
    const presets = scopePresets(SCOPES)
    expect(presets.map((p) => [p.id, p.scopes])).toEqual([
      ['inference', ['inference', 'models:read']],
      ['read', ['models:read', 'nodes:read', 'history:read', 'logs:read', 'metrics:read']],
      ['admin', SCOPES]
    ])
    expect(matchingPreset(presets, ['models:read', 'inference'])).toBe('inference')
    expect(matchingPreset(presets, ['inference'])).toBeNull()
    // an older agent without some scope: presets only name what it has
    expect(scopePresets(['inference', 'nodes:read'])[1]?.scopes).toEqual(['nodes:read'])
  })
})

describe('admin page', () => {
  let m: Mounted | undefined
  afterEach(() => m?.dispose())

  it('offers the agent’s scope list with the Inference preset, creates a key and shows its secret once', async () => {
    const app = start({
      'GET /api/auth/scopes': { scopes: [...SCOPES, 'future:thing'], roles: {} },
      'POST /api/keys': (req) => json(201, { ...listedKey, id: 'k2', name: (req.body as { name: string }).name, prefix: 'llmlb_k2_wxyz', owner: 'root', key: 'llmlb_k2_secret' })
    })
    m = app.m
    await vi.waitFor(() => expect(m?.byTestId('key-scope-future:thing')).not.toBeNull())
    expect(checked(m)).toEqual(['inference', 'models:read'])
    expect(m.byTestId('key-preset-inference')?.getAttribute('aria-pressed')).toBe('true')
    expect(m.root.querySelector('[data-testid^="key-scope-read"], [data-testid="key-scope-admin"]')).toBeNull()

    m.byTestId('key-preset-read')?.click()
    expect(checked(m)).toEqual(['models:read', 'nodes:read', 'history:read', 'logs:read', 'metrics:read'])
    checkbox(m, 'inference').click()
    expect(m.byTestId('key-preset-read')?.getAttribute('aria-pressed')).toBe('false')

    type(m, 'key-name', ' ci-bot ')
    const expiry = m.byTestId('key-expiry') as HTMLSelectElement
    expiry.value = '30'
    expiry.dispatchEvent(new Event('change', { bubbles: true }))
    ;(m.byTestId('key-create') as HTMLButtonElement).click()
    await vi.waitFor(() => expect(m?.byTestId('key-created')).not.toBeNull())
    const post = app.f.calls.find((c) => c.method === 'POST' && c.url === '/api/keys')
    expect(post?.body).toEqual({ name: 'ci-bot', scopes: ['models:read', 'nodes:read', 'history:read', 'logs:read', 'metrics:read', 'inference'], expiresInDays: 30 })
    expect(post?.headers['x-csrf-token']).toBe('c1')
    expect((m.byTestId('key-secret') as HTMLTextAreaElement).value).toBe('llmlb_k2_secret')
    expect(m.allByTestId('key-row').map((r) => r.dataset.id)).toEqual(['k1', 'k2'])
    expect(m.allByTestId('key-row')[1]?.textContent).toContain('root')

    m.byTestId('key-dismiss')?.click()
    expect(m.byTestId('key-created')).toBeNull()
    expect(m.root.textContent).not.toContain('llmlb_k2_secret')
  })

  it('lists cloud providers with only the last characters of their keys', async () => {
    const provider = (p: string, extra: Record<string, unknown>) => ({ provider: p, prefix: p, active: false, keySource: null, keyHint: null, baseUrl: null, models: 0, ...extra })
    m = start({
      'GET /api/clouds': {
        object: 'list',
        data: [provider('openai', {}), provider('anthropic', { active: true, keySource: 'local', keyHint: '…a1b2', models: 9 }), provider('google', { keyHint: '…c3d4', nodes: ['box-2'] }), provider('compatible', { prefix: null })]
      }
    }).m
    await vi.waitFor(() => expect(m?.allByTestId('cloud-row')).toHaveLength(4))
    const row = (p: string) => m?.allByTestId('cloud-row').find((r) => r.dataset.provider === p)?.textContent ?? ''
    expect(row('anthropic')).toContain('anthropic:…')
    expect(row('anthropic')).toContain('yes')
    expect(row('anthropic')).toContain('…a1b2')
    expect(row('google')).toContain('cluster key, not for this node')
    expect(row('google')).toContain('box-2')
    expect(row('openai')).toContain('none')
  })

  it('says so when the node has no cloud provider routes', async () => {
    m = start({}).m
    await vi.waitFor(() => expect(m?.root.textContent).toContain('Cloud providers is not available on this node yet'))
    expect(m.byTestId('clouds-table')).toBeNull()
  })

  it('keeps its own scope list when the agent has no /api/auth/scopes', async () => {
    m = start({}).m
    await vi.waitFor(() => expect(m?.byTestId('key-scope-users:manage')).not.toBeNull())
    expect(m.allByTestId('key-form')[0]?.querySelectorAll('input[type="checkbox"]')).toHaveLength(SCOPES.length)
  })

  it('creates a user without a password and shows the generated one once', async () => {
    const app = start({
      'POST /api/users': (req) =>
        json(201, { id: 'u2', username: (req.body as { username: string }).username, role: 'viewer', mustChangePassword: true, createdAt: '2025-01-02T00:00:00.000Z', updatedAt: '2025-01-02T00:00:00.000Z', password: 'Gen-Erated-pw-1' }),
      'PATCH /api/users/u2': (req) => json(200, { id: 'u2', username: 'watcher', role: (req.body as { role: string }).role, mustChangePassword: true })
    })
    m = app.m
    await vi.waitFor(() => expect(m?.byTestId('user-form')).not.toBeNull())
    await vi.waitFor(() => expect(m?.allByTestId('user-row')).toHaveLength(1))
    // admins cannot demote or delete themselves here
    expect((m.byTestId('user-role') as HTMLSelectElement).disabled).toBe(true)
    expect((m.byTestId('user-delete') as HTMLButtonElement).disabled).toBe(true)

    type(m, 'user-name', 'Watcher')
    ;(m.byTestId('user-create') as HTMLButtonElement).click()
    await vi.waitFor(() => expect(m?.byTestId('user-created')).not.toBeNull())
    expect(app.f.calls.find((c) => c.method === 'POST' && c.url === '/api/users')?.body).toEqual({ username: 'watcher', role: 'viewer' })
    expect((m.byTestId('user-secret') as HTMLInputElement).value).toBe('Gen-Erated-pw-1')
    const row = m.root.querySelector('[data-testid="user-row"][data-username="watcher"]')
    expect(row?.textContent).toContain('temporary password')
    expect(row?.textContent).not.toContain('Gen-Erated-pw-1')

    const role = row?.querySelector('[data-testid="user-role"]') as HTMLSelectElement
    role.value = 'admin'
    role.dispatchEvent(new Event('change', { bubbles: true }))
    await vi.waitFor(() => expect(app.f.calls.some((c) => c.method === 'PATCH')).toBe(true))
    expect(app.f.calls.find((c) => c.method === 'PATCH')?.body).toEqual({ role: 'admin' })

    m.byTestId('user-dismiss')?.click()
    expect(m.byTestId('user-created')).toBeNull()
  })
})
