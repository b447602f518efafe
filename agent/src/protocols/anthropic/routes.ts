/**
 * The Anthropic Messages API on every node: `POST /v1/messages` (JSON or SSE) and
 * `POST /v1/messages/count_tokens`, translated onto the one chat path (routing, admission,
 * forwarding, failover and auth scopes as for chat). Authenticated by `x-api-key` or Bearer;
 * `anthropic-version` is accepted whatever its value.
 */
import type { FastifyInstance } from 'fastify'
import type { InferenceService } from '../../inference/inference-service.js'
import { SSE_HEADERS } from '../../inference/http-result.js'
import { parseBody } from '../../http/schemas/parse-body.js'
import '../../http/error-shape.js'
import '../../http/openapi/route-doc.js'
import { collectChat, openChat } from '../chat-events.js'
import { contextOf, jsonAnswerOf, once, sendTranslated, type Meter, type TokenCount } from '../translated.js'
import { CountTokensRequestSchema, MessagesRequestSchema } from './schemas.js'
import { chatPromptOf, chatRequestOf } from './to-chat.js'
import { messageBody, messageEvents, messageIdOf } from './format.js'
import { anthropicErrorOf } from './errors.js'

/** What the Anthropic routes need: the inference service, and the tokens/min meter when auth is on. */
export interface AnthropicRouteDeps {
  service: InferenceService
  meter?: Meter
}

const JSON_HEADERS = { 'content-type': 'application/json' }

/** Route options shared by the Anthropic routes. */
const routeConfig = { access: { scope: 'inference' as const }, errorShape: anthropicErrorOf, historyApi: 'anthropic' }

/** Registers `POST /v1/messages` and `POST /v1/messages/count_tokens`. */
export async function anthropicRoutes(app: FastifyInstance, deps: AnthropicRouteDeps): Promise<void> {
  app.post('/v1/messages', { config: { ...routeConfig, openapi: { summary: 'Anthropic Messages: create a message (JSON or SSE events)', body: MessagesRequestSchema } } }, async (request, reply) => {
    const req = parseBody(MessagesRequestSchema, request.body)
    const answer = await openChat(deps.service, chatRequestOf(req), contextOf(request, reply))
    const meta = { id: messageIdOf(request.id), model: req.model }
    const usage: TokenCount = { promptTokens: 0, completionTokens: 0 }
    if (req.stream) {
      await sendTranslated(request, reply, answer.served, { headers: { ...SSE_HEADERS }, body: messageEvents(meta, answer.chunks, usage), usage, stream: true }, deps.meter)
      return
    }
    // collected before the head: an error on the way is still a proper Anthropic error status
    const body = messageBody(meta, await collectChat(answer.chunks), usage)
    await sendTranslated(request, reply, answer.served, { headers: JSON_HEADERS, body: once(JSON.stringify(body)), usage, stream: false }, deps.meter)
  })

  app.post('/v1/messages/count_tokens', { config: { ...routeConfig, openapi: { summary: 'Anthropic Messages: count the input tokens of a message', body: CountTokensRequestSchema } } }, async (request, reply) => {
    const req = parseBody(CountTokensRequestSchema, request.body)
    const served = await deps.service.handle('count_tokens', chatPromptOf(req), contextOf(request, reply))
    const { input_tokens } = await jsonAnswerOf<{ input_tokens: number }>(served)
    // nothing was generated or evaluated: token statistics and the tokens/min limit are not charged
    const usage: TokenCount = { promptTokens: 0, completionTokens: 0 }
    await sendTranslated(request, reply, served, { headers: JSON_HEADERS, body: once(JSON.stringify({ input_tokens })), usage, stream: false })
  })
}
