/**
 * Auth across three real agents with authentication on: the control plane (users, keys) replicates
 * through the mesh, so a key or a revocation made on one node applies on every node within a second,
 * a node that was down catches up when it rejoins, and a user deleted anywhere loses every session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localAdminHeaders, meshAddress, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'

const ADMIN_PASSWORD = 'cluster-admin-pass-1'
const CLUSTER_KEY = 'b2'.repeat(32)

let n1: RunningAgent
let n2: RunningAgent
let n3: RunningAgent
let seed: string
const secrets: string[] = []

const bearer = (k: string): Record<string, string> => ({ authorization: `Bearer ${k}` })

async function api(a: RunningAgent, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any; setCookie: string | null }> {
  const res = await fetch(`${a.url}${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null, setCookie: res.headers.get('set-cookie') }
}

async function login(a: RunningAgent, username: string, password: string): Promise<Record<string, string>> {
  const r = await api(a, 'POST', '/api/auth/login', {}, { username, password })
  expect(r.status).toBe(200)
  const cookie = (r.setCookie ?? '').split(';')[0] ?? ''
  secrets.push(cookie.split('=')[1] ?? '', r.body.csrfToken)
  return { cookie, 'x-csrf-token': r.body.csrfToken }
}

/** A replication delay only a broken control plane exceeds, even on a loaded box (ms). */
const REPLICATION_SANITY_MS = 10_000

/**
 * ms until `check` holds (polled every 25 ms), failing after `limitMs`. Replication takes well under a
 * second on an idle box; on a loaded CI box (stress-ng beside the suite) only a gross miss —
 * REPLICATION_SANITY_MS — fails a test.
 */
async function msUntil(check: () => Promise<boolean>, what: string, limitMs = 60_000): Promise<number> {
  const start = Date.now()
  await waitFor(async () => (await check()) || undefined, what, limitMs, 25)
  return Date.now() - start
}

const modelsStatus = async (a: RunningAgent, key: string): Promise<number> => (await fetch(`${a.url}/v1/models`, { headers: bearer(key) })).status

beforeAll(async () => {
  n1 = await startAgent({ name: 'a1', models: [await tinyModel('model-a')], clusterKey: CLUSTER_KEY, auth: true, adminPassword: ADMIN_PASSWORD })
  seed = await meshAddress(n1)
  ;[n2, n3] = await Promise.all([
    startAgent({ name: 'a2', clusterKey: CLUSTER_KEY, peers: [seed], auth: true, args: ['--log-level', 'debug'] }),
    startAgent({ name: 'a3', models: [await tinyModel('model-c', { seed: 3 })], clusterKey: CLUSTER_KEY, peers: [seed], auth: true })
  ])
})
afterAll(stopAllAgents)

describe('auth across the mesh', () => {
  it('only the first node bootstrapped; its admin and initial key work on every node', async () => {
    expect(n1.output()).toContain('API key:    llmlb_initial_')
    for (const a of [n2, n3]) {
      expect(a.output()).not.toContain('API key:')
      expect(a.output()).not.toContain('admin:      user')
    }
    const initial = /API key:\s+(llmlb_initial_\S+)/.exec(n1.output())?.[1] ?? ''
    for (const a of [n1, n2, n3]) {
      expect(await modelsStatus(a, initial)).toBe(200)
      await login(a, 'admin', ADMIN_PASSWORD)
    }
  })

  it('a key created on node 1 works on node 3; revoked on node 2, it fails on all (well under a second on an idle box)', async () => {
    const created = await api(n1, 'POST', '/api/keys', await localAdminHeaders(n1), { name: 'replicated', scopes: ['models:read', 'inference'] })
    expect(created.status).toBe(201)
    const key = created.body.key as string
    secrets.push(key)
    const toN3 = await msUntil(async () => (await modelsStatus(n3, key)) === 200, 'the key to work on n3')
    expect(toN3).toBeLessThan(REPLICATION_SANITY_MS)

    expect((await api(n2, 'DELETE', '/api/keys/replicated', await localAdminHeaders(n2))).status).toBe(204)
    const start = Date.now()
    await Promise.all([n1, n2, n3].map((a) => msUntil(async () => (await modelsStatus(a, key)) === 401, `the key to fail on ${a.name}`)))
    expect(Date.now() - start).toBeLessThan(REPLICATION_SANITY_MS)
  })

  it('a forwarded request carries its caller, and the serving node re-checks it', async () => {
    const created = await api(n2, 'POST', '/api/keys', await localAdminHeaders(n2), { name: 'fwd', scopes: ['inference'] })
    const key = created.body.key as string
    secrets.push(key)
    // n2 has no model: the request is forwarded to the node that has model-a
    await msUntil(async () => (await modelsStatus(n1, key)) === 403, 'the key to reach n1')
    const r = await fetch(`${n2.url}/v1/chat/completions`, { method: 'POST', headers: { ...bearer(key), 'content-type': 'application/json' }, body: JSON.stringify({ model: 'model-a', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }) })
    expect(r.status).toBe(200)
    expect(r.headers.get('x-llmlb-served-by')).toBe('a1')
    expect(r.headers.get('x-llmlb-route')).toBe('forwarded')
    const noInference = await api(n2, 'POST', '/api/keys', await localAdminHeaders(n2), { name: 'reader', scopes: ['models:read'] })
    secrets.push(noInference.body.key)
    const refused = await fetch(`${n2.url}/v1/chat/completions`, { method: 'POST', headers: { ...bearer(noInference.body.key), 'content-type': 'application/json' }, body: JSON.stringify({ model: 'model-a', messages: [{ role: 'user', content: 'hi' }] }) })
    expect(refused.status).toBe(403)
  })

  it('a user deleted on one node cannot use a session on another', async () => {
    const admin = await login(n1, 'admin', ADMIN_PASSWORD)
    const made = await api(n1, 'POST', '/api/users', admin, { username: 'eve', password: 'eve-temporary-1', role: 'viewer' })
    expect(made.status).toBe(201)
    secrets.push('eve-temporary-1', 'eve-chosen-pass-1')
    let eve: Record<string, string> = {}
    await waitFor(async () => (await api(n2, 'POST', '/api/auth/login', {}, { username: 'eve', password: 'eve-temporary-1' })).status === 200, 'eve to exist on n2', 60_000)
    eve = await login(n2, 'eve', 'eve-temporary-1')
    expect((await api(n2, 'POST', '/api/auth/password', eve, { currentPassword: 'eve-temporary-1', newPassword: 'eve-chosen-pass-1' })).status).toBe(200)
    expect((await api(n2, 'GET', '/api/nodes', eve)).status).toBe(200)
    const admin3 = await login(n3, 'admin', ADMIN_PASSWORD)
    expect((await api(n3, 'DELETE', '/api/users/eve', admin3)).status).toBe(204)
    const ms = await msUntil(async () => (await api(n2, 'GET', '/api/nodes', eve)).status === 401, 'eve to be locked out on n2')
    expect(ms).toBeLessThan(REPLICATION_SANITY_MS)
  })

  it('a node that was down during changes catches up when it rejoins', async () => {
    const early = await api(n1, 'POST', '/api/keys', await localAdminHeaders(n1), { name: 'early', scopes: ['models:read'] })
    const earlyKey = early.body.key as string
    secrets.push(earlyKey)
    await msUntil(async () => (await modelsStatus(n3, earlyKey)) === 200, 'early key on n3')
    const dataDir = n3.dataDir
    expect(await n3.stop()).toBe(0)

    const late = await api(n1, 'POST', '/api/keys', await localAdminHeaders(n1), { name: 'late', scopes: ['models:read'] })
    const lateKey = late.body.key as string
    secrets.push(lateKey)
    expect((await api(n2, 'DELETE', '/api/keys/early', await localAdminHeaders(n2))).status).toBe(204)

    n3 = await startAgent({ name: 'a3', dataDir, clusterKey: CLUSTER_KEY, peers: [seed], auth: true, readyModels: 0 })
    // it syncs before it listens: no window where the stale copy answers
    expect(await modelsStatus(n3, lateKey)).toBe(200)
    expect(await modelsStatus(n3, earlyKey)).toBe(401)
    expect(n3.output()).not.toContain('API key:')
  })

  it('passwords, keys and session tokens never appear in any node\'s output', () => {
    const initial = /API key:\s+(llmlb_initial_\S+)/.exec(n1.output())?.[1] ?? ''
    expect(n1.output().split(initial).length - 1).toBe(1) // the start banner, once
    expect(n2.output()).toContain('"level":20') // debug logging was on
    expect(initial).toMatch(/^llmlb_initial_/)
    for (const a of [n1, n2, n3]) for (const s of [ADMIN_PASSWORD, ...secrets]) if (s) expect(a.output(), `${a.name} leaks a secret`).not.toContain(s)
    for (const a of [n2, n3]) expect(a.output()).not.toContain(initial)
  })
})
