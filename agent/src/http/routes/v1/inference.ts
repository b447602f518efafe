/**
 * POST /v1/chat/completions, /v1/completions, /v1/embeddings. Handlers only hand the body to the
 * inference service and write what it returns.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { InferenceApi, InferenceService, Served } from '../../../inference/inference-service.js'
import { callerOf } from '../../../auth/identity.js'
import { API_PATHS } from '../../../inference/inference-service.js'
import { clientGoneSignal } from '../../request-signal.js'
import { sendServed } from '../../send-result.js'

export interface InferenceRouteDeps {
  service: InferenceService
  /** Wraps an answer to charge its tokens to the caller's rate limit (auth). */
  meter?: (request: FastifyRequest, served: Served) => Served
}

export async function inferenceRoutes(app: FastifyInstance, deps: InferenceRouteDeps): Promise<void> {
  for (const api of Object.keys(API_PATHS) as InferenceApi[]) {
    app.post(API_PATHS[api], { config: { access: { scope: 'inference' } } }, async (request, reply) => {
      const signal = clientGoneSignal(reply)
      const served = await deps.service.handle(api, request.body, { requestId: request.id, signal, hops: 0, local: false, caller: callerOf(request.identity), ...(request.rawBody ? { rawBody: request.rawBody } : {}) })
      await sendServed(reply, deps.meter ? deps.meter(request, served) : served, { 'x-request-id': request.id })
    })
  }
}
