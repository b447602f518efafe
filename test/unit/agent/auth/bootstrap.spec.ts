import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthService } from '../../../../agent/src/auth/auth-service.js'
import { bootstrapAuth, INITIAL_KEY_FILE, issueLocalToken, LOCAL_TOKEN_FILE } from '../../../../agent/src/auth/bootstrap.js'
import { verifyPassword } from '../../../../agent/src/auth/password-hash.js'
import { LmdbControlStore } from '../../../../agent/src/control-plane/lmdb-control-store.js'
import { FAST_SCRYPT } from './app-fixture.js'

const silent = pino({ level: 'silent' })
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function node(now: () => number = Date.now): Promise<{ auth: AuthService; store: LmdbControlStore; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-boot-'))
  const store = await LmdbControlStore.open({ path: join(dir, 'control'), logger: silent, now })
  cleanups.push(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })
  return { auth: new AuthService(store, silent, { mode: 'on', internalSecret: 's', scrypt: FAST_SCRYPT, now }), store, dir }
}

describe('first start of a cluster', () => {
  it('creates the admin with a generated password (to be changed) and one initial key, written 0600; a restart mints nothing', async () => {
    const { auth, dir } = await node()
    const first = await bootstrapAuth(auth, { dataDir: dir, logger: silent })
    expect(first.adminCreated).toBe(true)
    expect(first.adminPassword).toMatch(/^[A-Za-z0-9_-]{24}$/)
    const admin = auth.users.byUsername('admin')
    expect(admin?.mustChangePassword).toBe(true)
    expect(await verifyPassword(first.adminPassword ?? '', admin?.passwordHash ?? '')).toBe(true)
    expect(first.initialApiKey).toMatch(/^llmlb_initial_/)
    const file = join(dir, INITIAL_KEY_FILE)
    expect((await readFile(file, 'utf8')).trim()).toBe(first.initialApiKey)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(auth.keys.get('initial')?.scopes).toEqual(['inference', 'models:read'])

    const second = await bootstrapAuth(auth, { dataDir: dir, logger: silent })
    expect(second).toEqual({ adminCreated: false })
    await auth.keys.revoke('initial')
    expect((await bootstrapAuth(auth, { dataDir: dir, logger: silent })).initialApiKey).toBeUndefined()
  })

  it('takes the admin password from LLMLB_ADMIN_PASSWORD without forcing a change, and ignores it once users exist', async () => {
    const { auth, dir } = await node()
    const r = await bootstrapAuth(auth, { dataDir: dir, adminPassword: 'from-the-env-1', logger: silent })
    expect(r.adminPassword).toBeUndefined()
    expect(auth.users.byUsername('admin')?.mustChangePassword).toBe(false)
    const hash = auth.users.byUsername('admin')?.passwordHash
    await bootstrapAuth(auth, { dataDir: dir, adminPassword: 'another-one-2', logger: silent })
    expect(auth.users.byUsername('admin')?.passwordHash).toBe(hash)
  })

  it('two nodes that bootstrapped apart converge on the older admin and initial key, and any real write beats both', async () => {
    const a = await node(() => 1_000_000)
    const b = await node(() => 1_030_000)
    const ra = await bootstrapAuth(a.auth, { dataDir: a.dir, logger: silent })
    const rb = await bootstrapAuth(b.auth, { dataDir: b.dir, logger: silent })
    b.store.merge(a.store.list(''))
    a.store.merge(b.store.list(''))
    for (const n of [a, b]) {
      expect(await verifyPassword(ra.adminPassword ?? '', n.auth.users.byUsername('admin')?.passwordHash ?? '')).toBe(true)
      expect(n.auth.keys.get('initial')?.prefix).toBe(ra.initialApiKey?.slice(0, 18))
    }
    expect(rb.initialApiKey).not.toBe(ra.initialApiKey)
    await b.auth.users.put({ ...(b.auth.users.byUsername('admin')!), role: 'admin', mustChangePassword: false })
    a.store.merge(b.store.list('user/'))
    expect(a.auth.users.byUsername('admin')?.mustChangePassword).toBe(false)
  })

  it('issues a fresh local admin token per start, 0600, accepted by the authenticator', async () => {
    const { auth, dir } = await node()
    const file = await issueLocalToken(auth, dir)
    expect(file).toBe(join(dir, LOCAL_TOKEN_FILE))
    const token = (await readFile(file, 'utf8')).trim()
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const id = auth.authenticator.authenticate({ method: 'GET', headers: { authorization: `Bearer ${token}` } }).identity
    expect(id.kind).toBe('local-admin')
    await issueLocalToken(auth, dir)
    expect(auth.authenticator.authenticate({ method: 'GET', headers: { authorization: `Bearer ${token}` } }).identity.invalid).toMatch(/local admin token/)
  })

  it('accepts each new token before the file shows it, and the file is never seen half written', async () => {
    const { auth, dir } = await node()
    const file = join(dir, LOCAL_TOKEN_FILE)
    const accepted = new Set<string>()
    const original = auth.setLocalToken.bind(auth)
    auth.setLocalToken = (t) => {
      if (t) accepted.add(t)
      original(t)
    }
    await issueLocalToken(auth, dir)
    // a reader polling the file while later starts issue theirs: every token it reads had been accepted
    let seen = 0
    let stop = false
    const reader = (async () => {
      while (!stop) {
        const text = await readFile(file, 'utf8')
        expect(text).toMatch(/^\S+\n$/)
        expect(accepted.has(text.trim())).toBe(true)
        seen++
        await new Promise((r) => setImmediate(r))
      }
    })()
    for (let i = 0; i < 30; i++) await issueLocalToken(auth, dir)
    stop = true
    await reader
    expect(seen).toBeGreaterThan(0)
    expect(accepted.size).toBe(31)
  })
})
