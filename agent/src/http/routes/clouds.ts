/**
 * Cloud provider keys (admin only, scope `keys:manage`): GET /api/clouds lists the providers with
 * masked keys; PUT /api/clouds/:provider stores a key for the cluster (sealed, replicated, used by
 * the nodes its `nodes` list allows); DELETE removes it. Keys are never in an answer or a log line.
 */
import type { FastifyInstance } from 'fastify'
import type { CloudManager } from '../../clouds/index.js'
import { ProviderKindSchema, SetCloudKeyBodySchema } from '../../clouds/index.js'
import { parseBody } from '../schemas/parse-body.js'
import { InvalidRequestError } from '../../errors/errors.js'

export interface CloudRouteDeps {
  clouds: Pick<CloudManager, 'list' | 'setKey' | 'deleteKey'>
}

const access = { scope: 'keys:manage' } as const

function providerOf(name: string) {
  const p = ProviderKindSchema.safeParse(name)
  if (!p.success) throw new InvalidRequestError(`Unknown provider '${name}' (one of: ${ProviderKindSchema.options.join(', ')})`, 'provider')
  return p.data
}

export async function cloudRoutes(app: FastifyInstance, deps: CloudRouteDeps): Promise<void> {
  app.get('/api/clouds', { config: { access, openapi: { summary: 'Cloud providers and where their keys come from (keys masked)' } } }, async () => ({ object: 'list', data: deps.clouds.list() }))

  app.put<{ Params: { provider: string } }>('/api/clouds/:provider', { config: { access, openapi: { summary: 'Store a cloud provider key for the cluster (sealed; never shown again)', body: SetCloudKeyBodySchema } } }, async (request) => {
    const provider = providerOf(request.params.provider)
    const body = parseBody(SetCloudKeyBodySchema, request.body)
    const out = await deps.clouds.setKey(provider, body)
    request.log.info({ provider, nodes: body.nodes ?? 'all', by: request.identity?.name }, 'cloud provider key stored')
    return out
  })

  app.delete<{ Params: { provider: string } }>('/api/clouds/:provider', { config: { access, openapi: { summary: "Remove a cloud provider's cluster key" } } }, async (request, reply) => {
    const provider = providerOf(request.params.provider)
    await deps.clouds.deleteKey(provider)
    request.log.info({ provider, by: request.identity?.name }, 'cloud provider key removed')
    return reply.status(204).send()
  })
}
