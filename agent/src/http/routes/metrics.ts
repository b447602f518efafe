/** GET /metrics — this node's Prometheus metrics (text exposition format 0.0.4). */
import type { FastifyInstance } from 'fastify'
import type { AgentMetrics } from '../../observability/metrics.js'

export async function metricsRoutes(app: FastifyInstance, deps: { metrics: AgentMetrics }): Promise<void> {
  app.get('/metrics', { config: { access: { scope: 'metrics:read' }, openapi: { summary: 'Prometheus metrics' } } }, async (_request, reply) => {
    const { contentType, text } = await deps.metrics.render()
    return reply.type(contentType).send(text)
  })
}
