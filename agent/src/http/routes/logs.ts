/**
 * GET /api/nodes/:id/logs?level&since&limit&q — the newest log lines of any node. `:id` is `self`,
 * this node's name or peer id (served here from the log ring and files), or a peer's name or peer id
 * (asked through the mesh, which serves it from its own). Lines come oldest first.
 */
import type { FastifyInstance } from 'fastify'
import type { Mesh } from '../../../../mesh/src/index.js'
import type { LogSource } from '../../observability/log-tail.js'
import { LOG_LEVELS } from '../../observability/log-tail.js'
import { askPeer } from '../../node/peer-api.js'
import { NodeNotFoundError } from '../../history/history-errors.js'
import { UpstreamError } from '../../errors/errors.js'
import { parseBody } from '../schemas/parse-body.js'
import { LogParams } from '../schemas/observability-params.js'
import { peerContext } from './history.js'

export interface LogRouteDeps {
  nodeName: string
  logs?: LogSource
  mesh?: Mesh
}

export async function logRoutes(app: FastifyInstance, deps: LogRouteDeps): Promise<void> {
  app.get('/api/nodes/:id/logs', { config: { access: { scope: 'logs:read' }, openapi: { summary: "A node's recent log lines (any node, through the mesh)", query: LogParams } } }, async (request, reply) => {
    const { id } = request.params as { id: string }
    const p = parseBody(LogParams, request.query)
    if (id === 'self' || id === deps.nodeName || id === deps.mesh?.peerId()) {
      const data = deps.logs ? await deps.logs.query({ minLevel: p.level ? LOG_LEVELS[p.level] : undefined, since: p.since, limit: p.limit, q: p.q }) : []
      return { object: 'list', node: deps.nodeName, data }
    }
    const peer = deps.mesh?.peers().find((x) => x.peerId === id || x.state.name === id)
    if (!deps.mesh || !peer) throw new NodeNotFoundError(id)
    const query = new URLSearchParams(request.query as Record<string, string>).toString()
    let res: { status: number; body: unknown }
    try {
      res = await askPeer(deps.mesh, peer.peerId, { path: `/api/nodes/self/logs${query ? `?${query}` : ''}`, ...peerContext(request) })
    } catch (err) {
      throw new UpstreamError(`Node '${peer.state.name}' did not answer`, err)
    }
    return reply.status(res.status).send(res.body)
  })
}
