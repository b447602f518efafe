/**
 * POST /v1/chat/completions, /v1/completions, /v1/embeddings. Handlers only hand the body to the
 * inference service and write what it returns.
 */
import type { FastifyInstance } from 'fastify'
import type { InferenceApi, InferenceService } from '../../../inference/inference-service.js'
import { API_PATHS } from '../../../inference/inference-service.js'
import { clientGoneSignal } from '../../request-signal.js'
import { sendServed } from '../../send-result.js'

export interface InferenceRouteDeps {
  service: InferenceService
}

export async function inferenceRoutes(app: FastifyInstance, deps: InferenceRouteDeps): Promise<void> {
  for (const api of Object.keys(API_PATHS) as InferenceApi[]) {
    app.post(API_PATHS[api], async (request, reply) => {
      const signal = clientGoneSignal(reply)
      const served = await deps.service.handle(api, request.body, { requestId: request.id, signal, hops: 0, local: false })
      await sendServed(reply, served, { 'x-request-id': request.id })
    })
  }
}
