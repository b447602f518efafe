/**
 * Wire types of `POST /api/rpc/lease`, a mesh-only route a coordinator calls through the peer API
 * (askPeer) on the node whose worker it wants. The caller is the forwarding peer, never a field.
 */
import { z } from 'zod'

export const RPC_LEASE_PATH = '/api/rpc/lease'

/** Tunnel service of the RPC worker: only the lease holder's tunnels are accepted. */
export const RPC_WORKER_SERVICE = 'rpc-worker'

export const LeaseRequestSchema = z.object({
  action: z.enum(['acquire', 'renew', 'release']),
  /** The model the coordinator splits (logs, the advert). */
  model: z.string().min(1).max(256),
  /** Bytes of the model the coordinator places on this worker. */
  bytes: z.number().int().nonnegative(),
  /** The grant being renewed or released (from the acquire answer). */
  leaseId: z.string().max(64).optional()
})
export type LeaseRequest = z.infer<typeof LeaseRequestSchema>

export const LeaseAnswerSchema = z.object({
  leaseId: z.string(),
  holder: z.string(),
  /** Renew well within this (ms): the worker frees a lease not renewed for this long. */
  ttlMs: z.number().int().positive(),
  /** Worker start the lease is on: a restart ends it. */
  generation: z.number().int().nonnegative(),
  /** ggml RPC protocol of the worker. */
  protocol: z.string()
})
export type LeaseAnswerBody = z.infer<typeof LeaseAnswerSchema>
