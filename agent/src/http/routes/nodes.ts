/**
 * GET /api/nodes — this node and every peer it knows, with their gossiped state and the round trip to
 * them (`rtt_ms`), and `rejected`: the
 * nodes whose connections failed the cluster-key handshake lately (found, but not joined).
 */
import type { FastifyInstance } from 'fastify'
import type { Mesh, NodeState } from '../../../../mesh/src/index.js'
import type { RejectedPeer } from '../../node/rejected-peers.js'

export interface NodeRouteDeps {
  self: () => Omit<NodeState, 'seq' | 'peerId'>
  mesh?: Mesh
  /** Nodes refused at the handshake (wrong or no cluster key); none when unset. */
  rejected?: () => RejectedPeer[]
}

/** The body of GET /api/nodes: this node first, then every peer in the local view. */
export function nodesBody(deps: NodeRouteDeps): { object: 'list'; data: Record<string, unknown>[]; rejected: RejectedPeer[] } {
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
      last_seen_ms_ago: Math.max(0, Date.now() - p.lastSeen),
      // the ping round trip from this node (median of the last five) (routing adds it to a forward's cost); null until measured
      rtt_ms: p.rttMs === undefined ? null : Math.round(p.rttMs * 10) / 10
    }))
  ]
  return { object: 'list', data: nodes, rejected: deps.rejected?.() ?? [] }
}

export async function nodeRoutes(app: FastifyInstance, deps: NodeRouteDeps): Promise<void> {
  app.get('/api/nodes', { config: { access: { scope: 'nodes:read' }, openapi: { summary: 'The nodes of the cluster as this node sees them' } } }, async () => nodesBody(deps))
}
