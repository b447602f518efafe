/**
 * The engines admin API, this node's engines: GET /api/engines, POST /api/engines (detects, stores,
 * starts; 201 with the engine), GET /api/engines/:id, DELETE /api/engines/:id. Admin-only
 * (`nodes:manage`): a registration makes the node call an address, and the list shows engine URLs.
 * An engine's key is accepted here and never returned.
 */
import type { FastifyInstance } from 'fastify'
import { parseBody } from '../http/schemas/parse-body.js'
import type { EngineManager } from './engine-manager.js'
import { AddEngineBodySchema } from './schemas.js'

export interface EngineRouteDeps {
  name: string
  engines: EngineManager
}

const access = { scope: 'nodes:manage' } as const

export async function engineRoutes(app: FastifyInstance, deps: EngineRouteDeps): Promise<void> {
  app.get('/api/engines', { config: { access, openapi: { summary: "This node's engines: kind, health, load and models (never their keys)" } } }, async () => ({ object: 'list', node: deps.name, data: deps.engines.list() }))
  app.post('/api/engines', { config: { access, openapi: { summary: 'Register an engine on this node (type detected from its own endpoints)', body: AddEngineBodySchema } } }, async (request, reply) => {
    const body = parseBody(AddEngineBodySchema, request.body)
    const engine = await deps.engines.add(body)
    request.log.info({ engine: engine.id, kind: engine.kind, by: request.identity?.name }, 'engine registered')
    return reply.status(201).send({ node: deps.name, engine })
  })
  app.get<{ Params: { id: string } }>('/api/engines/:id', { config: { access, openapi: { summary: 'One engine of this node' } } }, async (request) => ({ node: deps.name, engine: deps.engines.get(request.params.id) }))
  app.delete<{ Params: { id: string } }>('/api/engines/:id', { config: { access, openapi: { summary: 'Remove an engine from this node (its models leave the cluster)' } } }, async (request) => {
    await deps.engines.remove(request.params.id)
    return { node: deps.name, id: request.params.id, ok: true }
  })
}
