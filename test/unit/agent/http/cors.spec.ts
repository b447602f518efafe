/** Which origins get CORS headers (pure), and the hook on the real app: preflight, refusal, `*` without credentials. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allowedOriginFor } from '../../../../agent/src/http/cors.js'
import { configFromEnv } from '../../../../agent/src/config/index.js'
import { originList } from '../../../../agent/src/cli/serve.js'
import { buildFixture, type Fixture } from '../auth/app-fixture.js'

describe('allowedOriginFor', () => {
  it('allows exact origins (case and trailing slash aside), wildcards within an entry, and * for any', () => {
    expect(allowedOriginFor('https://app.example', ['https://app.example'])).toBe('https://app.example')
    expect(allowedOriginFor('https://APP.example', ['https://app.example/'])).toBe('https://APP.example')
    expect(allowedOriginFor('https://evil.example', ['https://app.example'])).toBeUndefined()
    expect(allowedOriginFor('https://app.example.evil', ['https://app.example'])).toBeUndefined()
    expect(allowedOriginFor('http://localhost:5173', ['http://localhost:*'])).toBe('http://localhost:5173')
    expect(allowedOriginFor('http://localhost.evil:5173', ['http://localhost:*'])).toBeUndefined()
    expect(allowedOriginFor('https://anything', ['*'])).toBe('*')
    expect(allowedOriginFor('https://anything', [])).toBeUndefined()
  })

  it('reads LLMLB_CORS_ORIGINS and --cors-origins as comma-separated lists', () => {
    expect(configFromEnv({ LLMLB_CORS_ORIGINS: 'https://a.example, http://localhost:*' }).corsOrigins).toEqual(['https://a.example', 'http://localhost:*'])
    expect(configFromEnv({}).corsOrigins).toBeUndefined()
    expect(originList('*')).toEqual(['*'])
  })
})

describe('the CORS hook', () => {
  let open: Fixture
  let none: Fixture
  beforeAll(async () => {
    open = await buildFixture({ appDeps: { corsOrigins: ['*'] } })
    none = await buildFixture()
  })
  afterAll(async () => {
    await open.close()
    await none.close()
  })

  it('answers a preflight with * and never allows credentials', async () => {
    const res = await open.app.inject({ method: 'OPTIONS', url: '/v1/chat/completions', headers: { origin: 'https://page.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } })
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers['access-control-allow-headers']).toBe('authorization, content-type')
    expect(res.headers['access-control-allow-methods']).toContain('POST')
    expect(res.headers['access-control-allow-credentials']).toBeUndefined()
    const actual = await open.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://page.example' } })
    expect(actual.headers['access-control-allow-origin']).toBe('*')
    expect(actual.headers['access-control-expose-headers']).toContain('x-llmlb-served-by')
  })

  it('by default refuses cross-origin requests, and leaves same-origin and non-browser ones alone', async () => {
    const pre = await none.app.inject({ method: 'OPTIONS', url: '/v1/messages', headers: { origin: 'https://page.example', 'access-control-request-method': 'POST' } })
    expect(pre.statusCode).toBe(403)
    expect(pre.headers['access-control-allow-origin']).toBeUndefined()
    const simple = await none.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://page.example' } })
    expect(simple.statusCode).toBe(403)
    const same = await none.app.inject({ method: 'GET', url: '/health', headers: { origin: 'http://node.lan:32768', host: 'node.lan:32768' } })
    expect(same.statusCode).toBe(200)
    expect((await none.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
  })
})
