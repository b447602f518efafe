/**
 * The OpenAI Responses API: POST /v1/responses (translated onto the chat path, see
 * protocols/responses/), GET and DELETE /v1/responses/:id, GET /v1/responses/:id/input_items, and the
 * mesh-only routes a peer uses to continue a conversation stored here (GET /api/internal/responses/:id)
 * and to resolve `item_reference`s to output items stored here (POST /api/internal/response-items).
 * A stored response lives on the node that generated it; the others relay to it through the mesh.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { InferenceService, Served } from '../../../inference/inference-service.js'
import { callerOf } from '../../../auth/identity.js'
import { clientGoneSignal } from '../../request-signal.js'
import { sendServed } from '../../send-result.js'
import { parseBody } from '../../schemas/parse-body.js'
import '../../openapi/route-doc.js'
import { openAiErrorOf } from '../../../protocols/chat-events.js'
import { serveResponse } from '../../../protocols/responses/serve-response.js'
import { INTERNAL_ITEMS_PATH, INTERNAL_RESPONSE_PATH, StoredResponses } from '../../../protocols/responses/stored-responses.js'
import { InputItemsQuerySchema, ItemLookupSchema, ResponsesRequestSchema } from '../../../protocols/responses/schemas.js'
import { inputItemsPage } from '../../../protocols/responses/input-items.js'

/** What the Responses routes need. */
export interface ResponsesRouteDeps {
  service: InferenceService
  stored: StoredResponses
  /** Wraps an answer to charge its tokens to the caller's rate limit (auth). */
  meter?: (request: FastifyRequest, served: Served) => Served
}

type ById = { Params: { id: string }; Querystring: Record<string, string> }

const inference = { scope: 'inference' } as const

/** Registers the Responses routes (see the module comment). */
export async function responsesRoutes(app: FastifyInstance, deps: ResponsesRouteDeps): Promise<void> {
  const { stored } = deps

  /** Answers from the node that owns the response when it is not this one; true when it did. */
  const relayed = async (request: FastifyRequest<ById>, reply: FastifyReply): Promise<boolean> => {
    const home = stored.home(request.params.id)
    if (home.at === 'self') return false
    if (home.at === 'unknown' || request.identity?.via === 'mesh') throw StoredResponses.notFound(request.params.id)
    const res = await stored.relay(home.peerId, request.method, request.url, request.identity, { requestId: request.id })
    await reply.status(res.status).send(res.body)
    return true
  }

  app.post('/v1/responses', { config: { access: inference, openapi: { body: ResponsesRequestSchema, summary: 'Create a model response (OpenAI Responses API)' } } }, async (request, reply) => {
    const signal = clientGoneSignal(reply)
    const ctx = { requestId: request.id, signal, hops: 0, local: false, caller: callerOf(request.identity) }
    let served: Served
    try {
      served = await serveResponse({ service: deps.service, stored }, request.body, ctx, request.identity)
    } catch (err) {
      // the chat path's answers (a peer's 4xx, a queue's 429…) keep their status and OpenAI body
      const e = openAiErrorOf(err)
      if (e.status >= 500) request.log.error({ err }, 'response failed')
      return reply.status(e.status).headers(e.headers).send(e.body)
    }
    await sendServed(reply, deps.meter ? deps.meter(request, served) : served, { 'x-request-id': request.id })
  })

  app.get<ById>('/v1/responses/:id', { config: { access: inference, openapi: { summary: 'Retrieve a stored response' } } }, async (request, reply) => {
    if (await relayed(request, reply)) return reply
    return stored.local(request.params.id, request.identity).response
  })

  app.delete<ById>('/v1/responses/:id', { config: { access: inference, openapi: { summary: 'Delete a stored response' } } }, async (request, reply) => {
    if (await relayed(request, reply)) return reply
    await stored.delete(request.params.id, request.identity)
    return { id: request.params.id, object: 'response.deleted', deleted: true }
  })

  app.get<ById>('/v1/responses/:id/input_items', { config: { access: inference, openapi: { query: InputItemsQuerySchema, summary: 'List the input items of a stored response' } } }, async (request, reply) => {
    if (await relayed(request, reply)) return reply
    const query = parseBody(InputItemsQuerySchema, { ...request.query })
    return inputItemsPage(stored.local(request.params.id, request.identity).input, query)
  })

  app.get<ById>(INTERNAL_RESPONSE_PATH, { config: { access: 'mesh', openapi: { summary: 'A stored response with its conversation, for a peer (mesh only)', hidden: true } } }, async (request) => stored.local(request.params.id, request.identity))

  app.post(INTERNAL_ITEMS_PATH, { config: { access: 'mesh', openapi: { body: ItemLookupSchema, summary: 'Output items of stored responses, for a peer resolving item_reference (mesh only)', hidden: true } } }, async (request) => ({
    items: stored.localItems(parseBody(ItemLookupSchema, request.body).ids, request.identity)
  }))
}
