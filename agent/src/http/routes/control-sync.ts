/**
 * POST /api/internal/control/sync — the anti-entropy exchange of the control plane (see
 * control-plane/replicator.ts). Access `mesh`: it answers only requests a peer sent through the
 * pnet-protected mesh, never a plain HTTP client.
 */
import type { FastifyInstance } from 'fastify'
import { CONTROL_SYNC_PATH } from '../../control-plane/mesh-transport.js'

export interface ControlSyncRouteDeps {
  handleSync: (body: unknown) => unknown
}

export async function controlSyncRoutes(app: FastifyInstance, deps: ControlSyncRouteDeps): Promise<void> {
  app.post(CONTROL_SYNC_PATH, { config: { access: 'mesh', openapi: { summary: 'Control-plane anti-entropy between nodes (mesh only)', hidden: true } } }, async (request) => deps.handleSync(request.body))
}
