import { describe, expect, it } from 'vitest'
import { decideAccess, isAccess, type Access } from '../../../../agent/src/auth/access.js'
import type { Identity } from '../../../../agent/src/auth/identity.js'
import { ROLE_SCOPES } from '../../../../agent/src/auth/scopes.js'

const anon: Identity = { kind: 'anonymous', via: 'none', scopes: [] }
const key = (scopes: Identity['scopes']): Identity => ({ kind: 'api-key', via: 'bearer', id: 'k', scopes })
const user = (role: 'admin' | 'viewer', via: Identity['via'] = 'session', mustChangePassword = false): Identity => ({ kind: 'user', via, id: 'u', role, scopes: ROLE_SCOPES[role], mustChangePassword })

describe('decideAccess', () => {
  it('public lets everyone in; mesh only requests from the mesh', () => {
    expect(decideAccess('public', anon, 'POST', false)).toBeUndefined()
    expect(decideAccess('mesh', user('admin'), 'POST', true)).toBe('forbidden')
    expect(decideAccess('mesh', { ...anon, via: 'mesh' }, 'POST', true)).toBeUndefined()
  })

  it('scopes: 401 without a credential, 403 without the scope', () => {
    const a: Access = { scope: 'keys:manage' }
    expect(decideAccess(a, anon, 'GET', false)).toBe('unauthenticated')
    expect(decideAccess(a, key(['inference']), 'GET', false)).toBe('forbidden')
    expect(decideAccess(a, key(['keys:manage']), 'POST', false)).toBeUndefined()
    expect(decideAccess(a, user('viewer'), 'GET', false)).toBe('forbidden')
    expect(decideAccess(a, user('admin'), 'GET', false)).toBeUndefined()
  })

  it('cookie sessions need the CSRF token for writes, bearer credentials never do', () => {
    const a: Access = { scope: 'inference' }
    expect(decideAccess(a, user('viewer'), 'POST', false)).toBe('csrf')
    expect(decideAccess(a, user('viewer'), 'POST', true)).toBeUndefined()
    expect(decideAccess(a, user('viewer'), 'GET', false)).toBeUndefined()
    expect(decideAccess(a, key(['inference']), 'POST', false)).toBeUndefined()
  })

  it('roles: keys never pass, viewers never pass admin, a pending password blocks all but the allowed routes', () => {
    expect(decideAccess({ role: 'viewer' }, key(['inference']), 'GET', true)).toBe('forbidden')
    expect(decideAccess({ role: 'admin' }, user('viewer'), 'GET', true)).toBe('forbidden')
    expect(decideAccess({ role: 'admin' }, user('admin'), 'GET', true)).toBeUndefined()
    const pending = user('admin', 'session', true)
    expect(decideAccess({ role: 'viewer' }, pending, 'GET', true)).toBe('password_change_required')
    expect(decideAccess({ role: 'viewer', pendingPassword: true }, pending, 'GET', true)).toBeUndefined()
    expect(decideAccess({ scope: 'nodes:read' }, pending, 'GET', true)).toBe('password_change_required')
  })

  it('accepts only well-formed declarations', () => {
    expect(isAccess('public')).toBe(true)
    expect(isAccess({ scope: 'inference' })).toBe(true)
    expect(isAccess({ role: 'viewer', pendingPassword: true })).toBe(true)
    for (const bad of [undefined, 'open', { scope: 'everything' }, { role: 'root' }, { scope: 'inference', role: 'admin' }, {}]) expect(isAccess(bad)).toBe(false)
  })
})
