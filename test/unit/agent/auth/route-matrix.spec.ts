/**
 * The route × credential matrix, generated from the app's own route table (`app.accessTable`): a new
 * route is covered the moment it is registered. Every cell is a real HTTP request against the listening
 * app; allowed cells must get past auth (any status but 401/403/429), denied cells the exact status
 * and error code. The expectation is written out here independently of `decideAccess`.
 */
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installAuthHooks } from '../../../../agent/src/auth/auth-hooks.js'
import type { Access } from '../../../../agent/src/auth/access.js'
import { SCOPES, type Scope } from '../../../../agent/src/auth/scopes.js'
import { buildFixture, sessionOf, type Fixture } from './app-fixture.js'

/** What a viewer session may do (specs/security.md). */
const VIEWER_SCOPES: Scope[] = ['inference', 'models:read', 'nodes:read', 'history:read', 'logs:read', 'metrics:read']
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

type Expect = 'allow' | 'unauthorized' | 'forbidden' | 'csrf_failed' | 'password_change_required'

interface Credential {
  name: string
  headers: (f: Fixture) => Record<string, string>
  expect: (access: Access, method: string) => Expect
}

const isWrite = (m: string): boolean => WRITES.has(m)

/** Expectation for a signed-in user of `role` (with or without CSRF, password pending or not). */
function sessionExpect(role: 'admin' | 'viewer', csrf: boolean, pending: boolean) {
  return (access: Access, method: string): Expect => {
    if (access === 'public') return 'allow'
    if (access === 'mesh') return 'forbidden'
    if (isWrite(method) && !csrf) return 'csrf_failed'
    if ('role' in access) {
      if (access.role === 'admin' && role !== 'admin') return 'forbidden'
      return pending && !access.pendingPassword ? 'password_change_required' : 'allow'
    }
    if (pending) return 'password_change_required'
    return role === 'admin' || VIEWER_SCOPES.includes(access.scope) ? 'allow' : 'forbidden'
  }
}

/** Expectation for anything that is not a valid credential. */
const denied = (access: Access): Expect => (access === 'public' ? 'allow' : access === 'mesh' ? 'forbidden' : 'unauthorized')

/** Expectation for a bearer credential holding `scopes`. */
const keyExpect = (scopes: readonly Scope[]) => (access: Access): Expect => {
  if (access === 'public') return 'allow'
  if (access === 'mesh') return 'forbidden'
  if ('role' in access) return 'forbidden'
  return scopes.includes(access.scope) ? 'allow' : 'forbidden'
}

const bearer = (k: string): Record<string, string> => ({ authorization: `Bearer ${k}` })

const CREDENTIALS: Credential[] = [
  { name: 'no credential', headers: () => ({}), expect: denied },
  { name: 'wrong key', headers: () => bearer(`llmlb_0123456789abcdef_${'A'.repeat(43)}`), expect: denied },
  { name: 'garbage authorization', headers: () => ({ authorization: 'Basic YWRtaW46YWRtaW4=' }), expect: denied },
  { name: 'expired key', headers: (f) => bearer(f.expiredKey), expect: denied },
  { name: 'revoked key', headers: (f) => bearer(f.revokedKey), expect: denied },
  { name: 'expired key as x-api-key', headers: (f) => ({ 'x-api-key': f.expiredKey }), expect: denied },
  { name: 'forged mesh caller (wrong secret)', headers: (f) => ({ 'x-llmlb-internal': 'guess', 'x-llmlb-caller': JSON.stringify({ kind: 'user', id: f.users.admin.id }) }), expect: denied },
  { name: 'stale session cookie', headers: () => ({ cookie: 'llmlb_session=not-a-session', 'x-csrf-token': 'x' }), expect: denied },
  ...SCOPES.map((s): Credential => ({ name: `key with ${s}`, headers: (f) => bearer(f.scopeKeys[s]), expect: keyExpect([s]) })),
  ...SCOPES.map((s): Credential => ({ name: `x-api-key with ${s}`, headers: (f) => ({ 'x-api-key': f.scopeKeys[s] }), expect: keyExpect([s]) })),
  {
    name: 'viewer session',
    headers: (f) => {
      const s = sessionOf(f, f.users.viewer)
      return { cookie: s.cookie, 'x-csrf-token': s.csrf }
    },
    expect: sessionExpect('viewer', true, false)
  },
  {
    name: 'admin session',
    headers: (f) => {
      const s = sessionOf(f, f.users.admin)
      return { cookie: s.cookie, 'x-csrf-token': s.csrf }
    },
    expect: sessionExpect('admin', true, false)
  },
  { name: 'admin session, CSRF missing', headers: (f) => ({ cookie: sessionOf(f, f.users.admin).cookie }), expect: sessionExpect('admin', false, false) },
  { name: 'admin session, CSRF wrong', headers: (f) => ({ cookie: sessionOf(f, f.users.admin).cookie, 'x-csrf-token': 'nope' }), expect: sessionExpect('admin', false, false) },
  { name: 'viewer session, CSRF missing', headers: (f) => ({ cookie: sessionOf(f, f.users.viewer).cookie }), expect: sessionExpect('viewer', false, false) },
  {
    name: 'admin who must change the password',
    headers: (f) => {
      const s = sessionOf(f, f.users.pending)
      return { cookie: s.cookie, 'x-csrf-token': s.csrf }
    },
    expect: sessionExpect('admin', true, true)
  },
  {
    name: 'mesh peer vouching for the admin',
    headers: (f) => ({ 'x-llmlb-internal': f.secret, 'x-llmlb-caller': JSON.stringify({ kind: 'user', id: f.users.admin.id }) }),
    expect: (access) => (access === 'public' || access === 'mesh' ? 'allow' : 'allow')
  },
  {
    name: 'mesh peer vouching for a viewer',
    headers: (f) => ({ 'x-llmlb-internal': f.secret, 'x-llmlb-caller': JSON.stringify({ kind: 'user', id: f.users.viewer.id }) }),
    expect: (access) => (access === 'public' || access === 'mesh' ? 'allow' : 'role' in access ? (access.role === 'admin' ? 'forbidden' : 'allow') : VIEWER_SCOPES.includes(access.scope) ? 'allow' : 'forbidden')
  },
  {
    name: 'mesh peer vouching for a revoked key',
    headers: (f) => ({ 'x-llmlb-internal': f.secret, 'x-llmlb-caller': JSON.stringify({ kind: 'api-key', id: f.revokedKey.split('_')[1], scopes: [...SCOPES] }) }),
    expect: (access) => (access === 'public' || access === 'mesh' ? 'allow' : 'unauthorized')
  }
]

let f: Fixture
let base: string

beforeAll(async () => {
  f = await buildFixture()
  await f.app.listen({ port: 0, host: '127.0.0.1' })
  const addr = f.app.server.address()
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
})
afterAll(async () => f.close())

/** `/api/users/:id` → `/api/users/x`; `/*` → `/x`. */
const concrete = (url: string): string => url.replace(/:[^/]+/g, 'x').replace(/\*/g, 'x')

async function statusOf(method: string, url: string, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(new Error(`${method} ${url} did not answer`)), 5_000)
  const res = await fetch(`${base}${concrete(url)}`, { method, headers, signal: ac.signal }).finally(() => clearTimeout(timer))
  let code: string | undefined
  // Anthropic and Ollama routes answer in their own shape, with the code in a header
  if ((res.status === 401 || res.status === 403) && method !== 'HEAD') code = ((await res.json()) as { error: { code?: string } }).error.code ?? res.headers.get('x-llmlb-error-code') ?? undefined
  ac.abort() // SSE and streams stay open otherwise
  return { status: res.status, code }
}

describe('route × credential matrix', () => {
  it('the route table covers every route, each with a declared access', () => {
    const table = f.app.accessTable
    expect(table.length).toBeGreaterThan(15)
    const has = (m: string, u: string): boolean => table.some((r) => r.method === m && r.url === u)
    for (const [m, u] of [['GET', '/health'], ['GET', '/ready'], ['POST', '/api/auth/login'], ['GET', '/api/keys'], ['POST', '/v1/chat/completions'], ['GET', '/*'], ['POST', '/api/internal/control/sync'], ['POST', '/v1/messages'], ['POST', '/api/chat'], ['GET', '/api/tags']]) expect(has(m as string, u as string), `${m} ${u}`).toBe(true)
    expect(table.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`).sort()).toEqual(
      ['GET /', 'GET /*', 'GET /docs', 'GET /health', 'GET /openapi.json', 'GET /ready', 'HEAD /', 'HEAD /*', 'HEAD /docs', 'HEAD /health', 'HEAD /openapi.json', 'HEAD /ready', 'POST /api/auth/login', 'GET /v1/images/files/:id', 'HEAD /v1/images/files/:id'].sort()
    )
  })

  it('every cell gets the expected status', async () => {
    const failures: string[] = []
    let cells = 0
    for (const route of f.app.accessTable) {
      for (const cred of CREDENTIALS) {
        const want = cred.expect(route.access, route.method)
        const got = await statusOf(route.method, route.url, cred.headers(f))
        cells++
        const ok = want === 'allow' ? ![401, 403, 429].includes(got.status) : got.status === (want === 'unauthorized' ? 401 : 403) && (got.code === want || route.method === 'HEAD')
        if (!ok) failures.push(`${route.method} ${route.url} with ${cred.name}: expected ${want}, got ${got.status} ${got.code ?? ''}`)
      }
    }
    expect(failures).toEqual([])
    expect(cells).toBeGreaterThan(500)
  }, 120_000)

  it('no admin route is reachable without admin: manage scopes and admin roles refuse viewers, readers and anonymous callers', async () => {
    const adminRoutes = f.app.accessTable.filter((r) => typeof r.access === 'object' && ('role' in r.access ? r.access.role === 'admin' : r.access.scope.endsWith(':manage')))
    expect(adminRoutes.length).toBeGreaterThanOrEqual(7)
    for (const r of adminRoutes) {
      const viewer = sessionOf(f, f.users.viewer)
      expect((await statusOf(r.method, r.url, { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf })).status, `${r.method} ${r.url}`).toBe(403)
      expect((await statusOf(r.method, r.url, {})).status).toBe(401)
      expect((await statusOf(r.method, r.url, bearer(f.scopeKeys['nodes:read']))).status).toBe(403)
    }
  })

  it('refuses to start an app with a route that declares no access', async () => {
    const app = Fastify()
    installAuthHooks(app, undefined)
    await expect(
      (async () => {
        app.get('/undeclared', async () => 'x')
        await app.ready()
      })()
    ).rejects.toThrow(/declares no valid access/)
    await app.close()
    const app2 = Fastify()
    installAuthHooks(app2, undefined)
    await expect(
      (async () => {
        app2.get('/bad', { config: { access: { scope: 'everything' } as never } }, async () => 'x')
        await app2.ready()
      })()
    ).rejects.toThrow(/declares no valid access/)
    await app2.close()
  })
})
