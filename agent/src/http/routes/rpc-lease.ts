/**
 * POST /api/rpc/lease — acquire, renew or release the lease on this node's RPC worker
 * (specs/sharding.md). Access `mesh`: only a peer's request through the pnet-protected mesh reaches it,
 * and the holder is the forwarding peer, named by the peer-API handler (`x-llmlb-peer`), which only an
 * injected request carrying the process secret can set.
 */
import type { FastifyInstance } from 'fastify'
import { PEER_HEADER } from '../../node/peer-api.js'
import { parseBody } from '../schemas/parse-body.js'
import { InvalidRequestError } from '../../errors/errors.js'
import { LeaseRequestSchema, RPC_LEASE_PATH, type LeaseAnswerBody, type LeaseRequest } from '../../sharding/index.js'

export interface RpcLeaseRouteDeps {
  handle: (req: LeaseRequest, from: string) => LeaseAnswerBody
}

export async function rpcLeaseRoutes(app: FastifyInstance, deps: RpcLeaseRouteDeps): Promise<void> {
  app.post(RPC_LEASE_PATH, { config: { access: 'mesh', openapi: { summary: "Lease this node's RPC worker (mesh only)", body: LeaseRequestSchema, hidden: true } } }, async (request) => {
    const from = request.headers[PEER_HEADER]
    if (typeof from !== 'string' || from === '') throw new InvalidRequestError('A lease request must come from a mesh peer', null)
    return deps.handle(parseBody(LeaseRequestSchema, request.body), from)
  })
}
