// @vitest-environment node
// (the one server-side test of the dashboard: fastify serving ui/dist)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import fastifyStatic from '@fastify/static'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest'
import { RouteNotFoundError } from '../../../agent/src/errors/errors.js'
import { renderError } from '../../../agent/src/errors/render.js'
import { ASSET_CACHE_CONTROL, dashboardRoutes, findDashboardDist, NOT_BUILT_TEXT } from '../../../agent/src/http/routes/dashboard.js'

const REPO = resolve(import.meta.dirname, '..', '..', '..')

/** An app with the agent's error and not-found handling, one API route, and the dashboard last. */
async function appWith(root: string, before?: (app: FastifyInstance) => Promise<void>): Promise<FastifyInstance> {
  const app = Fastify()
  app.setErrorHandler((err, _req, reply) => {
    const r = renderError(err)
    void reply.status(r.status).send(r.body)
  })
  app.setNotFoundHandler((request) => {
    throw new RouteNotFoundError(request.method, request.url)
  })
  app.get('/api/nodes', async () => ({ object: 'list', data: [] }))
  app.get('/health', async () => ({ status: 'ok' }))
  await before?.(app)
  await app.register(dashboardRoutes, { root })
  await app.ready()
  return app
}

describe('dashboardRoutes', () => {
  let dist: string
  let app: FastifyInstance | undefined
  beforeAll(() => {
    dist = mkdtempSync(join(tmpdir(), 'llmlb-ui-'))
    mkdirSync(join(dist, 'assets'))
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>')
    writeFileSync(join(dist, 'assets', 'index-AbC123.js'), 'console.log(1)')
    writeFileSync(join(dist, 'favicon.svg'), '<svg/>')
    writeFileSync(join(tmpdir(), 'llmlb-secret.txt'), 'TOP-SECRET-CONTENT')
  })
  afterAll(() => {
    rmSync(dist, { recursive: true, force: true })
    rmSync(join(tmpdir(), 'llmlb-secret.txt'), { force: true })
  })
  afterEach(async () => app?.close())

  it('serves index.html at / without caching, and hashed assets as immutable', async () => {
    app = await appWith(dist)
    const index = await app.inject({ url: '/' })
    expect(index.statusCode).toBe(200)
    expect(index.headers['content-type']).toContain('text/html')
    expect(index.headers['cache-control']).toBe('no-cache')
    expect(index.body).toContain('id="root"')
    const asset = await app.inject({ url: '/assets/index-AbC123.js' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['content-type']).toContain('javascript')
    expect(asset.headers['cache-control']).toBe(ASSET_CACHE_CONTROL)
    const icon = await app.inject({ url: '/favicon.svg' })
    expect(icon.headers['cache-control']).toBe('no-cache')
    expect((await app.inject({ method: 'HEAD', url: '/' })).statusCode).toBe(200)
  })

  it('answers HTML navigations to client-side routes with index.html', async () => {
    app = await appWith(dist)
    const r = await app.inject({ url: '/nodes/gpu-1?tab=logs', headers: { accept: 'text/html,application/xhtml+xml' } })
    expect(r.statusCode).toBe(200)
    expect(r.body).toContain('id="root"')
  })

  it('keeps the JSON 404 for unknown API paths and non-HTML requests', async () => {
    app = await appWith(dist)
    for (const url of ['/api/nope', '/v1/nope', '/v1', '/metrics']) {
      const r = await app.inject({ url, headers: { accept: 'text/html' } })
      expect(r.statusCode, url).toBe(404)
      expect(r.json().error.code, url).toBe('route_not_found')
    }
    const missing = await app.inject({ url: '/assets/missing.js' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.code).toBe('route_not_found')
    expect((await app.inject({ method: 'POST', url: '/whatever' })).json().error.code).toBe('route_not_found')
    expect((await app.inject({ url: '/api/nodes' })).json()).toEqual({ object: 'list', data: [] })
    expect((await app.inject({ url: '/health', headers: { accept: 'text/html' } })).json()).toEqual({ status: 'ok' })
  })

  it('never serves files outside the dist folder', async () => {
    app = await appWith(dist)
    for (const url of ['/../llmlb-secret.txt', '/%2e%2e/llmlb-secret.txt', '/assets/..%2f..%2fllmlb-secret.txt']) {
      const r = await app.inject({ url })
      expect(r.body, url).not.toContain('TOP-SECRET-CONTENT')
      expect(r.statusCode, url).not.toBe(200)
    }
  })

  it('tells how to build when ui/dist is missing', async () => {
    app = await appWith(join(dist, 'not-built'))
    const r = await app.inject({ url: '/' })
    expect(r.statusCode).toBe(200)
    expect(r.headers['content-type']).toContain('text/plain')
    expect(r.body).toBe(NOT_BUILT_TEXT)
    expect(r.body).toContain('npm run build')
    expect((await app.inject({ url: '/x.js' })).statusCode).toBe(404)
  })

  it('works beside another @fastify/static that already decorated sendFile', async () => {
    app = await appWith(dist, async (a) => {
      await a.register(fastifyStatic, { root: tmpdir(), prefix: '/files/', serve: false })
    })
    expect((await app.inject({ url: '/' })).body).toContain('id="root"')
  })
})

describe('findDashboardDist', () => {
  it('finds ui/dist from the sources and from the compiled output', () => {
    expect(findDashboardDist()).toBe(join(REPO, 'ui', 'dist'))
    const compiled = pathToFileURL(join(REPO, 'dist', 'agent', 'src', 'http', 'routes', 'dashboard.js')).href
    expect(findDashboardDist(compiled)).toBe(join(REPO, 'ui', 'dist'))
  })
})
