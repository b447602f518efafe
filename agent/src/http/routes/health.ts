/** GET /health (the process answers) and GET /ready (at least one model can be served). */
import type { FastifyInstance } from 'fastify'
import type { ClusterModel } from '../../inference/cluster-models.js'
import { LLMLB_VERSION } from '../../node/local-state.js'

export interface HealthDeps {
  name: string
  startedAt: number
  models: () => ClusterModel[]
  runtimeUp: () => boolean
}

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get('/health', { config: { access: 'public', openapi: { summary: 'The process is alive' } } }, async () => ({ status: 'ok', name: deps.name, version: LLMLB_VERSION, uptime_s: Math.round((Date.now() - deps.startedAt) / 1000) }))
  app.get('/ready', { config: { access: 'public', openapi: { summary: 'The node can serve at least one model' } } }, async (_request, reply) => {
    const models = deps.models().map((m) => m.id)
    const ready = models.length > 0
    reply.status(ready ? 200 : 503)
    return { ready, runtime: deps.runtimeUp() ? 'up' : 'down', models }
  })
}
