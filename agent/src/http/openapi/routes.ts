/**
 * `GET /openapi.json` (the OpenAPI 3.1 document of every route, built once the app is ready) and
 * `GET /docs` (the API reference: a plain page rendered from the same document, no external assets).
 * `installRouteDocs` collects every route's `config.openapi` as it is registered; call it before any
 * route.
 */
import type { FastifyInstance } from 'fastify'
import type { Access } from '../../auth/access.js'
import { openApiDocument, type DocumentedRoute } from './document.js'
import { referencePage } from './reference-page.js'
import './route-doc.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its OpenAPI entry (undefined: the route declares none), in registration order. */
    routeDocs: readonly DocumentedRoute[]
  }
}

/** Records every route's documentation; a route without `config.openapi` is listed with `doc` undefined. */
export function installRouteDocs(app: FastifyInstance): void {
  const table: DocumentedRoute[] = []
  app.decorate('routeDocs', table)
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) table.push({ method, url: route.url, access: route.config?.access as Access | undefined, doc: route.config?.openapi })
  })
}

/** `version`: the document's `info.version` (the agent's). */
export interface OpenApiRouteDeps {
  version: string
}

/** Registers `GET /openapi.json` and `GET /docs`; register after every documented route's plugin. */
export async function openApiRoutes(app: FastifyInstance, deps: OpenApiRouteDeps): Promise<void> {
  let doc: Record<string, unknown> | undefined
  let page: string | undefined
  // built on first use: every route is registered by then
  const document = (): Record<string, unknown> => (doc ??= openApiDocument(app.routeDocs, deps.version))
  app.get('/openapi.json', { config: { access: 'public', openapi: { summary: 'This OpenAPI 3.1 document', tag: 'Admin' } } }, async () => document())
  app.get('/docs', { config: { access: 'public', openapi: { summary: 'The API reference page', tag: 'Admin' } } }, async (_request, reply) => {
    page ??= referencePage(document())
    return reply.type('text/html; charset=utf-8').header('x-content-type-options', 'nosniff').send(page)
  })
}
