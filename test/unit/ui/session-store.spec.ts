// @vitest-environment happy-dom
import { createRoot } from 'solid-js'
import { describe, expect, it } from 'vitest'
import { createApiClient } from '../../../ui/src/api/client.js'
import { createSessionStore } from '../../../ui/src/stores/session.js'
import { fakeFetch, json, UNAUTHORIZED } from './helpers.js'

const admin = { user: { id: 'u1', username: 'admin', role: 'admin', mustChangePassword: false }, csrfToken: 'c1' }

function setup(routes: Parameters<typeof fakeFetch>[0]) {
  const f = fakeFetch(routes)
  const api = createApiClient({ fetch: f })
  const session = createRoot(() => createSessionStore(api))
  return { api, session, f }
}

describe('session store', () => {
  it('signs in from /api/auth/me and sends its CSRF token on writes', async () => {
    const { api, session, f } = setup({ 'GET /api/auth/me': admin, 'DELETE /api/keys/k1': () => new Response(null, { status: 204 }) })
    await session.load()
    expect(session.state.status).toBe('signed-in')
    expect(session.isAdmin()).toBe(true)
    await api.keys.revoke('k1')
    expect(f.calls.at(-1)?.headers['x-csrf-token']).toBe('c1')
  })

  it('is signed out on 401 and open when the node has no accounts', async () => {
    const a = setup({ 'GET /api/auth/me': UNAUTHORIZED })
    await a.session.load()
    expect(a.session.state.status).toBe('signed-out')
    const b = setup({})
    await b.session.load()
    expect(b.session.state.status).toBe('open')
    expect(b.session.role()).toBeNull()
    expect(b.session.canEnter()).toBe(true)
  })

  it('ends the session when any call answers 401', async () => {
    const { api, session } = setup({ 'GET /api/auth/me': admin, 'GET /api/nodes': UNAUTHORIZED })
    await session.load()
    await api.nodes.list().catch(() => undefined)
    expect(session.state.status).toBe('signed-out')
    expect(session.state.error).toMatch(/session has ended/)
  })

  it('reports a wrong password without ending anything else', async () => {
    const { session } = setup({ 'POST /api/auth/login': UNAUTHORIZED })
    expect(await session.login('admin', 'nope')).toBe(false)
    expect(session.state.error).toBe('Wrong username or password.')
  })

  it('takes the user from the password change answer and keeps the CSRF token', async () => {
    const { session, f } = setup({
      'POST /api/auth/login': { ...admin, user: { ...admin.user, mustChangePassword: true } },
      // the agent answers {user, csrfToken}; the token is the session's, unchanged
      'POST /api/auth/password': () => json(200, admin)
    })
    await session.login('admin', 'temp')
    expect(session.state.user?.mustChangePassword).toBe(true)
    expect(session.canEnter()).toBe(true)
    expect(session.ready()).toBe(false)
    expect(await session.changePassword('temp', 'a-better-one')).toBe(true)
    expect(f.calls.at(-1)?.headers['x-csrf-token']).toBe('c1')
    expect(f.calls.at(-1)?.body).toEqual({ currentPassword: 'temp', newPassword: 'a-better-one' })
    expect(session.state.user?.mustChangePassword).toBe(false)
    expect(session.ready()).toBe(true)
  })

  it('reports a wrong current password', async () => {
    const { session } = setup({ 'POST /api/auth/login': admin, 'POST /api/auth/password': UNAUTHORIZED })
    await session.login('admin', 'temp')
    expect(await session.changePassword('wrong', 'a-better-one')).toBe(false)
    expect(session.state.error).toBe('The current password is wrong.')
    expect(session.state.status).toBe('signed-in')
  })
})
