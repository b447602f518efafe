/**
 * The model catalog: GET /api/catalog (every entry: built-in, the data dir's file, cluster-wide),
 * PUT /api/catalog/:id (add or replace a cluster-wide entry, replicated to every node through the
 * control plane), DELETE /api/catalog/:id (a cluster-wide entry; built-in ones stay).
 */
import type { FastifyInstance } from 'fastify'
import type { SettingsStore } from '../../auth/stores.js'
import { CatalogEntrySchema, type Catalog } from '../../models/catalog.js'
import { CATALOG_SETTING_PREFIX } from '../../models/catalog-sources.js'
import { AgentError } from '../../errors/errors.js'
import { parseBody } from '../schemas/parse-body.js'

export interface CatalogRouteDeps {
  catalog: Catalog
  settings: SettingsStore
}

export async function catalogRoutes(app: FastifyInstance, deps: CatalogRouteDeps): Promise<void> {
  app.get('/api/catalog', { config: { access: { scope: 'models:read' } } }, async () => ({ object: 'list', data: deps.catalog.list() }))

  app.put<{ Params: { id: string } }>('/api/catalog/:id', { config: { access: { scope: 'models:manage' } } }, async (request) => {
    const entry = parseBody(CatalogEntrySchema, { ...(request.body as object), id: request.params.id.toLowerCase() })
    await deps.settings.set(CATALOG_SETTING_PREFIX + entry.id, entry)
    request.log.info({ entry: entry.id, repo: entry.repo, by: request.identity?.name }, 'catalog entry set')
    return entry
  })

  app.delete<{ Params: { id: string } }>('/api/catalog/:id', { config: { access: { scope: 'models:manage' } } }, async (request, reply) => {
    const key = CATALOG_SETTING_PREFIX + request.params.id.toLowerCase()
    if (deps.settings.get(key) === undefined) {
      throw new AgentError('not_found', `No cluster-wide catalog entry '${request.params.id}' (built-in entries and the data dir's catalog.json cannot be deleted through the API)`)
    }
    await deps.settings.delete(key)
    return reply.status(204).send()
  })
}
