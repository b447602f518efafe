/**
 * Ollama's generation routes on every node — `/api/chat`, `/api/generate` (NDJSON by default,
 * `stream: false` for one object), `/api/embed` and the older `/api/embeddings` — translated onto
 * the one chat path and the embeddings path of the inference service. Errors are `{"error": "..."}`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { InferenceService } from '../../inference/inference-service.js'
import { parseBody } from '../../http/schemas/parse-body.js'
import '../../http/error-shape.js'
import '../../http/openapi/route-doc.js'
import { collectChat, openChat } from '../chat-events.js'
import { contextOf, jsonAnswerOf, once, sendTranslated, type Meter, type TokenCount } from '../translated.js'
import { ChatRequestSchema, EmbeddingsRequestSchema, EmbedRequestSchema, GenerateRequestSchema } from './schemas.js'
import { chatRequestOf, generateRequestOf, modelIdOf } from './to-chat.js'
import { answerLines, finalBody, loadBody, noteFirstToken, type AnswerMeta, type OllamaKind } from './format.js'
import { ollamaErrorOf } from './errors.js'

/** What the Ollama generation routes need. */
export interface OllamaRouteDeps {
  service: InferenceService
  meter?: Meter
  /** Monotonic clock (ns) for the durations of answers. @default process.hrtime.bigint */
  now?: () => bigint
}

/** Content type of Ollama's streamed answers. */
export const NDJSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' }
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }

/** Options of the routes that generate or embed (recorded in history as `ollama`). */
const served = { access: { scope: 'inference' as const }, errorShape: ollamaErrorOf, historyApi: 'ollama' }

interface EmbeddingsAnswer {
  data: { embedding: number[] }[]
  usage: { prompt_tokens: number }
}

/** Registers `/api/chat`, `/api/generate`, `/api/embed` and `/api/embeddings`. */
export async function ollamaRoutes(app: FastifyInstance, deps: OllamaRouteDeps): Promise<void> {
  const now = deps.now ?? process.hrtime.bigint

  /** Serves a chat or generate request given its chat body; `empty`: nothing to generate (a load request). */
  const generate = async (request: FastifyRequest, reply: FastifyReply, kind: OllamaKind, model: string, stream: boolean, body: Record<string, unknown>, empty: boolean): Promise<void> => {
    const meta: AnswerMeta = { kind, model, startNs: now(), now }
    if (empty) return void reply.header('content-type', JSON_HEADERS['content-type']).send(loadBody(meta))
    const answer = await openChat(deps.service, body, contextOf(request, reply))
    const usage: TokenCount = { promptTokens: 0, completionTokens: 0 }
    if (stream) {
      await sendTranslated(request, reply, answer.served, { headers: { ...NDJSON_HEADERS }, body: answerLines(meta, answer.chunks, usage), usage, stream: true }, deps.meter)
      return
    }
    const first: { ns?: bigint } = {}
    const value = finalBody(meta, await collectChat(noteFirstToken(answer.chunks, meta, first)), usage, first.ns)
    await sendTranslated(request, reply, answer.served, { headers: JSON_HEADERS, body: once(JSON.stringify(value)), usage, stream: false }, deps.meter)
  }

  app.post('/api/chat', { config: { ...served, openapi: { summary: 'Ollama: chat (NDJSON stream unless stream is false)', body: ChatRequestSchema } } }, async (request, reply) => {
    const req = parseBody(ChatRequestSchema, request.body)
    await generate(request, reply, 'chat', req.model, req.stream !== false, chatRequestOf(req), req.messages.length === 0)
  })

  app.post('/api/generate', { config: { ...served, openapi: { summary: 'Ollama: generate from a prompt (NDJSON stream unless stream is false)', body: GenerateRequestSchema } } }, async (request, reply) => {
    const req = parseBody(GenerateRequestSchema, request.body)
    await generate(request, reply, 'generate', req.model, req.stream !== false, generateRequestOf(req), req.prompt === '' && !req.images?.length)
  })

  /** Embeds `input` on the embeddings path; answers `shape(vectors, promptTokens)`. */
  const embed = async (request: FastifyRequest, reply: FastifyReply, model: string, input: string | string[], shape: (vectors: number[][], tokens: number, ns: number) => unknown): Promise<void> => {
    const t0 = now()
    const res = await deps.service.handle('embeddings', { model: modelIdOf(model), input }, contextOf(request, reply))
    const answer = await jsonAnswerOf<EmbeddingsAnswer>(res)
    const usage: TokenCount = { promptTokens: answer.usage.prompt_tokens, completionTokens: 0 }
    const body = shape(answer.data.map((d) => d.embedding), usage.promptTokens, Number(now() - t0))
    await sendTranslated(request, reply, res, { headers: JSON_HEADERS, body: once(JSON.stringify(body)), usage, stream: false }, deps.meter)
  }

  app.post('/api/embed', { config: { ...served, openapi: { summary: 'Ollama: embed one or more inputs', body: EmbedRequestSchema } } }, async (request, reply) => {
    const req = parseBody(EmbedRequestSchema, request.body)
    await embed(request, reply, req.model, req.input, (embeddings, tokens, ns) => ({ model: req.model, embeddings, total_duration: ns, load_duration: 0, prompt_eval_count: tokens }))
  })

  app.post('/api/embeddings', { config: { ...served, openapi: { summary: 'Ollama (older API): embed one prompt', body: EmbeddingsRequestSchema } } }, async (request, reply) => {
    const req = parseBody(EmbeddingsRequestSchema, request.body)
    await embed(request, reply, req.model, req.prompt, (embeddings) => ({ embedding: embeddings[0] ?? [] }))
  })
}
