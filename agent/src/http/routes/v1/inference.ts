/**
 * POST /v1/chat/completions, /v1/completions, /v1/embeddings. Handlers only hand the body to the
 * inference service and write what it returns.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { InferenceService, Served } from '../../../inference/inference-service.js'
import { callerOf } from '../../../auth/identity.js'
import { API_PATHS, PUBLIC_APIS } from '../../../inference/inference-service.js'
import { clientGoneSignal } from '../../request-signal.js'
import { sendServed } from '../../send-result.js'
import type { RouteDoc } from '../../openapi/route-doc.js'
import { ChatCompletionRequestSchema, CompletionRequestSchema, EmbeddingRequestSchema } from '../../schemas/openai.js'

/** OpenAPI entries of the OpenAI routes, with the schemas the inference service validates their bodies with. */
const DOCS: Record<string, RouteDoc> = {
  chat: { summary: 'OpenAI Chat Completions (JSON or SSE)', body: ChatCompletionRequestSchema },
  completion: { summary: 'OpenAI Completions (JSON or SSE)', body: CompletionRequestSchema },
  embeddings: { summary: 'OpenAI Embeddings', body: EmbeddingRequestSchema }
}

export interface InferenceRouteDeps {
  service: InferenceService
  /** Wraps an answer to charge its tokens to the caller's rate limit (auth). */
  meter?: (request: FastifyRequest, served: Served) => Served
}

export async function inferenceRoutes(app: FastifyInstance, deps: InferenceRouteDeps): Promise<void> {
  for (const api of PUBLIC_APIS) {
    app.post(API_PATHS[api], { config: { access: { scope: 'inference' }, openapi: DOCS[api] } }, async (request, reply) => {
      const signal = clientGoneSignal(reply)
      const served = await deps.service.handle(api, request.body, { requestId: request.id, signal, hops: 0, local: false, caller: callerOf(request.identity), ...(request.rawBody ? { rawBody: request.rawBody } : {}) })
      await sendServed(reply, deps.meter ? deps.meter(request, served) : served, { 'x-request-id': request.id })
    })
  }
}
