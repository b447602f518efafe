/** GET /v1/models and /v1/models/:id — the cluster's models in OpenAI shape, with llmlb details. */
import type { FastifyInstance } from 'fastify'
import { UnknownModelError } from '../../../errors/errors.js'
import type { ClusterModel } from '../../../inference/cluster-models.js'

export interface ModelRouteDeps {
  models: () => ClusterModel[]
}

const toOpenAi = (m: ClusterModel): Record<string, unknown> => ({
  id: m.id,
  object: 'model',
  created: m.created,
  owned_by: 'llmlb',
  llmlb: {
    capabilities: m.capabilities,
    context_length: m.contextLength,
    quantization: m.quantization,
    size_bytes: m.sizeBytes,
    nodes: m.nodes,
    stored_on: m.storedOn ?? [],
    engines: m.engines ?? [],
    ...(m.voices ? { voices: m.voices } : {})
  }
})

export async function modelRoutes(app: FastifyInstance, deps: ModelRouteDeps): Promise<void> {
  app.get('/v1/models', { config: { access: { scope: 'models:read' }, openapi: { summary: "The cluster's models" } } }, async () => ({ object: 'list', data: deps.models().map(toOpenAi) }))
  app.get<{ Params: { id: string } }>('/v1/models/:id', { config: { access: { scope: 'models:read' }, openapi: { summary: 'One model of the cluster' } } }, async (request) => {
    const m = deps.models().find((x) => x.id === request.params.id)
    if (!m) throw new UnknownModelError(request.params.id)
    return toOpenAi(m)
  })
}
