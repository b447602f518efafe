/**
 * The OpenAPI document of the agent's real app (every route, observability's included): each route
 * has an entry, the document validates as OpenAPI 3.1 (@seriousme/openapi-schema-validator), request
 * bodies come from the zod schemas that validate them, and the reference page lists it offline.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Observability } from '../../../../agent/src/observability/observability.js'
import { openApiPath } from '../../../../agent/src/http/openapi/document.js'
import { buildFixture, type Fixture } from '../auth/app-fixture.js'

let f: Fixture
let dir: string
let doc: { openapi: string; paths: Record<string, Record<string, { summary: string; tags: string[]; requestBody?: { content: Record<string, { schema: { required?: string[]; properties?: Record<string, unknown> } }> }; parameters?: { name: string; in: string }[] }>> }

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmlb-openapi-'))
  const observability = new Observability({ dataDir: dir, name: 'test-node', history: { enabled: false, storeBodies: false, maxBodyBytes: 0, retentionDays: 1, maxRecords: 10 } }, {} as never)
  f = await buildFixture({ appDeps: { observability } })
  const res = await f.app.inject({ method: 'GET', url: '/openapi.json' })
  expect(res.statusCode).toBe(200)
  doc = res.json()
})
afterAll(async () => {
  await f.close()
  await rm(dir, { recursive: true, force: true })
})

describe('OpenAPI document', () => {
  it('every route of the app declares an entry', () => {
    const undocumented = f.app.routeDocs.filter((r) => r.method !== 'HEAD' && !r.doc).map((r) => `${r.method} ${r.url}`)
    expect(undocumented).toEqual([])
    expect(f.app.routeDocs.length).toBeGreaterThan(40)
  })

  it('lists every documented route of the route table under its path and method', () => {
    const missing: string[] = []
    for (const r of f.app.routeDocs) {
      if (r.method === 'HEAD' || r.doc?.hidden) continue
      if (!doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()]) missing.push(`${r.method} ${r.url}`)
    }
    expect(missing).toEqual([])
    for (const p of ['/v1/chat/completions', '/v1/messages', '/v1/messages/count_tokens', '/api/chat', '/api/generate', '/api/tags', '/api/history', '/api/keys', '/metrics']) expect(doc.paths[p], p).toBeDefined()
    expect(doc.paths['/api/internal/control/sync']).toBeUndefined()
  })

  it('validates as OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0')
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
  })

  it('request bodies and queries come from the zod schemas that validate them', () => {
    const messages = doc.paths['/v1/messages']?.post?.requestBody?.content['application/json']?.schema
    expect(messages?.required).toEqual(expect.arrayContaining(['model', 'messages', 'max_tokens']))
    const chat = doc.paths['/api/chat']?.post
    expect(chat?.tags).toEqual(['Ollama'])
    expect(Object.keys(chat?.requestBody?.content['application/json']?.schema.properties ?? {})).toEqual(expect.arrayContaining(['model', 'messages', 'format', 'options', 'tools']))
    expect(doc.paths['/v1/messages']?.post?.tags).toEqual(['Anthropic'])
    const history = doc.paths['/api/history']?.get?.parameters?.map((p) => `${p.in}:${p.name}`)
    expect(history).toEqual(expect.arrayContaining(['query:model', 'query:scope']))
    expect(doc.paths['/api/users/{id}']?.delete?.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path' })])
  })

  it('the reference page lists the operations and loads nothing from elsewhere', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/docs' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/html')
    expect(res.body).toContain('/v1/messages')
    expect(res.body).toContain('/api/chat')
    expect(res.body).toContain('href="/openapi.json"')
    expect(res.body).not.toMatch(/(src|href)="https?:/)
    const sections = [...res.body.matchAll(/<h2>([^<]+)<\/h2>/g)].map((m) => m[1])
    expect(sections).toEqual(['OpenAI', 'Anthropic', 'Ollama', 'Admin'])
  })
})
