/**
 * Provider keys through the admin API on the real app and a real LMDB control store: sealed at rest
 * (AES-256-GCM under a cluster-derived key, bound to its entry), masked in every answer, absent from
 * the log, used only by the nodes the entry allows; bad input is a clear 400.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CLOUD_KEY_PREFIX, CloudKeyStore, sealingKey } from '../../../../agent/src/clouds/index.js'
import { open, seal } from '../../../../agent/src/clouds/key-seal.js'
import { buildFixture, type Fixture } from '../auth/app-fixture.js'

const KEY = 'sk-ant-api03-unit-0123456789abcdefghij'
let f: Fixture
let auth: Record<string, string>

beforeEach(async () => {
  f = await buildFixture()
  auth = { authorization: `Bearer ${f.scopeKeys['keys:manage']}`, 'content-type': 'application/json' }
})
afterEach(async () => f.close())

describe('cloud provider keys', () => {
  it('are stored sealed, shown masked, never logged, and removed on DELETE', async () => {
    const put = await f.app.inject({ method: 'PUT', url: '/api/clouds/anthropic', headers: auth, payload: { apiKey: KEY } })
    expect(put.statusCode).toBe(200)
    expect(put.json()).toMatchObject({ provider: 'anthropic', prefix: 'anthropic', active: true, keySource: 'cluster', keyHint: `…${KEY.slice(-4)}`, nodes: null })
    const entry = JSON.stringify(f.store.get(`${CLOUD_KEY_PREFIX}anthropic`))
    expect(entry).toContain('"sealed"')
    expect(entry).not.toContain(KEY)
    const list = await f.app.inject({ method: 'GET', url: '/api/clouds', headers: auth })
    expect(list.body).not.toContain(KEY)
    expect(list.json().data.map((p: { provider: string }) => p.provider)).toEqual(['openai', 'anthropic', 'google', 'compatible'])
    expect(f.logs()).toContain('cloud provider key stored')
    expect(f.logs()).not.toContain(KEY)
    expect((await f.app.inject({ method: 'DELETE', url: '/api/clouds/anthropic', headers: auth })).statusCode).toBe(204)
    expect(f.clouds.list().find((p) => p.provider === 'anthropic')).toMatchObject({ active: false, keyHint: null })
    expect((await f.app.inject({ method: 'DELETE', url: '/api/clouds/anthropic', headers: auth })).statusCode).toBe(404)
  })

  it('serve only on the nodes the entry allows', async () => {
    await f.app.inject({ method: 'PUT', url: '/api/clouds/google', headers: auth, payload: { apiKey: KEY, nodes: ['another-node'] } })
    expect(f.clouds.list().find((p) => p.provider === 'google')).toMatchObject({ active: false, keySource: null, nodes: ['another-node'] })
  })

  it('refuse bad input with a 400', async () => {
    const bad = [
      { url: '/api/clouds/azure', payload: { apiKey: KEY } },
      { url: '/api/clouds/openai', payload: { apiKey: 'short' } },
      { url: '/api/clouds/openai', payload: { apiKey: KEY, baseUrl: 'not a url' } },
      { url: '/api/clouds/compatible', payload: { apiKey: KEY, prefix: 'Not-A-Prefix' } }
    ]
    for (const b of bad) {
      const r = await f.app.inject({ method: 'PUT', url: b.url, headers: auth, payload: b.payload })
      expect(r.statusCode, b.url).toBe(400)
      expect(r.json().error.code).toBe('invalid_request')
      expect(r.body).not.toContain(KEY)
    }
  })

  it('open only under the same cluster key and entry name', () => {
    const k1 = sealingKey(Buffer.alloc(32, 1))
    const k2 = sealingKey(Buffer.alloc(32, 2))
    const sealed = seal(k1, KEY, 'cloudkey/openai')
    expect(sealed).not.toContain(KEY)
    expect(open(k1, sealed, 'cloudkey/openai')).toBe(KEY)
    expect(open(k2, sealed, 'cloudkey/openai')).toBeUndefined()
    expect(open(k1, sealed, 'cloudkey/google')).toBeUndefined()
    const store = new CloudKeyStore(f.store, k2)
    expect(store.keyFor({ provider: 'openai', sealed, hint: '…', nodes: null, baseUrl: null, prefix: null, updatedAt: 0 }, 'n')).toBeUndefined()
  })
})
