/** GET /api/nodes — this node and every peer it knows, with their gossiped state. */
import type { FastifyInstance } from 'fastify'
import type { Mesh, NodeState } from '../../../../mesh/src/index.js'

export interface NodeRouteDeps {
  self: () => Omit<NodeState, 'seq' | 'peerId'>
  mesh?: Mesh
}

/** The body of GET /api/nodes: this node first, then every peer in the local view. */
export function nodesBody(deps: NodeRouteDeps): { object: 'list'; data: Record<string, unknown>[] } {
  const self = deps.self()
  const nodes = [
    {
      self: true,
      peer_id: deps.mesh?.peerId() ?? null,
      addresses: deps.mesh?.listenAddresses() ?? [],
      last_seen_ms_ago: 0,
      ...self
    },
    ...(deps.mesh?.peers() ?? []).map((p) => ({
      self: false,
      peer_id: p.peerId,
      ...p.state,
      status: p.status,
      addresses: p.addresses,
      last_seen_ms_ago: Math.max(0, Date.now() - p.lastSeen)
    }))
  ]
  return { object: 'list', data: nodes }
}

export async function nodeRoutes(app: FastifyInstance, deps: NodeRouteDeps): Promise<void> {
  app.get('/api/nodes', { config: { access: { scope: 'nodes:read' } } }, async () => nodesBody(deps))
}
