/**
 * The shard admin API: `PUT /api/models/:id/shard` (body `{ nodes? }`) marks a model to be split over
 * RPC workers, `DELETE /api/models/:id/shard` unmarks it (its coordinator stops llama-server and
 * releases the workers), `GET /api/shards` lists every split model with its coordinator, workers and
 * state. Marks are replicated, so any node takes them. `GET /api/models` shows the same list.
 */
import type { FastifyInstance } from 'fastify'
import { UnknownModelError } from '../../errors/errors.js'
import { parseBody } from '../../http/schemas/parse-body.js'
import { ShardMarkSchema, type ShardMarks } from './marks.js'
import type { ShardView } from './shard-manager.js'

export interface ShardRouteDeps {
  name: string
  marks: ShardMarks
  views: () => ShardView[]
  /** True when some alive node holds the model's file (only such a model can be split). */
  known: (model: string) => boolean
}

const manage = { scope: 'models:manage' } as const
const read = { scope: 'models:read' } as const

export async function shardRoutes(app: FastifyInstance, deps: ShardRouteDeps): Promise<void> {
  app.get('/api/shards', { config: { access: read, openapi: { summary: 'Models split over RPC workers: coordinator, workers with bytes, state' } } }, async () => ({ object: 'list', data: deps.views() }))
  app.put<{ Params: { id: string } }>('/api/models/:id/shard', { config: { access: manage, openapi: { summary: 'Split a model over RPC workers (nodes: limit which nodes lend memory)', body: ShardMarkSchema } } }, async (request) => {
    const id = request.params.id
    const mark = parseBody(ShardMarkSchema, request.body ?? {})
    if (!deps.known(id)) throw new UnknownModelError(id)
    await deps.marks.set(id, mark)
    request.log.info({ model: id, nodes: mark.nodes, by: request.identity?.name }, 'model marked to split')
    return { node: deps.name, id, ok: true, mark }
  })
  app.delete<{ Params: { id: string } }>('/api/models/:id/shard', { config: { access: manage, openapi: { summary: 'Stop splitting a model: llama-server stops, its workers are released' } } }, async (request) => {
    const id = request.params.id
    if (!(await deps.marks.delete(id))) throw new UnknownModelError(id)
    request.log.info({ model: id, by: request.identity?.name }, 'model no longer split')
    return { node: deps.name, id, ok: true }
  })
}
