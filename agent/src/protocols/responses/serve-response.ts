/**
 * `POST /v1/responses` from body to answer: parse, continue the conversation of
 * `previous_response_id` (from this node or its owner), map to a chat body, run it down the one
 * generation path (`openChat`: routing, admission, forwarding, failover, auth scopes), and format the
 * chunks as a response object or as Responses stream events. The answer is a `Served` like any
 * inference answer, so sending, history, token stats and rate limits treat it the same; its `usage`
 * is filled in from the chat usage when generation ends (the bytes on the wire are not chat shapes).
 */
import type { Identity } from '../../auth/identity.js'
import type { InferenceService, Served } from '../../inference/inference-service.js'
import type { RequestContext } from '../../inference/request-context.js'
import { SSE_HEADERS } from '../../inference/http-result.js'
import { openAiErrorOf, openChat, type ChatChunk } from '../chat-events.js'
import { inputItemsOf, toChatBody } from './request-mapping.js'
import { parseResponsesRequest } from './parse-request.js'
import { ResponseBuilder } from './response-builder.js'
import type { InputItem, ResponseStreamEvent, ResponsesRequest } from './schemas.js'
import { InvalidRequestError } from '../../errors/errors.js'
import { ownerOf, type StoredResponses } from './stored-responses.js'

/** What serving a Responses request needs. */
export interface ServeResponseDeps {
  service: InferenceService
  stored: StoredResponses
  /** Wall clock (ms since the epoch). @default Date.now */
  now?: () => number
}

/**
 * One Responses stream event as SSE (OpenAI names the event too; there is no `[DONE]`). A text delta
 * without logprobs — one per token — is written from a template: a generic JSON.stringify of the event
 * was the largest part of the translator's per-token CPU.
 */
export function sseEvent(e: ResponseStreamEvent): string {
  if (e.type === 'response.output_text.delta' && e.logprobs.length === 0) {
    return `event: ${e.type}\ndata: {"type":"${e.type}","item_id":"${e.item_id}","output_index":${e.output_index},"content_index":${e.content_index},"delta":${JSON.stringify(e.delta)},"logprobs":[],"sequence_number":${e.sequence_number}}\n\n`
  }
  return `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`
}

/** Serves one Responses request; throws typed errors and ChatPathErrors before the answer starts. */
export async function serveResponse(deps: ServeResponseDeps, raw: unknown, ctx: RequestContext, identity: Identity | null): Promise<Served> {
  const now = deps.now ?? Date.now
  const req = parseResponsesRequest(raw)
  const prev = req.previous_response_id ? await deps.stored.find(req.previous_response_id, identity, ctx) : undefined
  const context = prev ? [...prev.context, ...prev.input, ...prev.response.output] : []
  const input = inputItemsOf(await resolveReferences(deps.stored, req.input, identity, ctx))
  const answer = await openChat(deps.service, toChatBody(req, context, input), ctx)
  const createdAt = now()
  const builder = new ResponseBuilder({ id: deps.stored.newId(), createdAt: Math.floor(createdAt / 1000), request: req, itemTag: deps.stored.tag() })
  const usage = { promptTokens: 0, completionTokens: 0 }
  const stream = req.stream === true

  /** Ends the answer: usage for history and metering, then the store (committed before the last byte). */
  const end = async (events: ResponseStreamEvent[]): Promise<ResponseStreamEvent[]> => {
    const u = builder.chatUsage
    if (u) {
      usage.promptTokens = u.prompt_tokens
      usage.completionTokens = u.completion_tokens
    }
    if (req.store !== false) await deps.stored.save({ response: builder.response, input, context, owner: ownerOf(identity), createdAt })
    return events
  }
  // events in batches, one per chat chunk: a batch leaves in one socket write. `response.created` and
  // `.in_progress` go with the first token's events, so the first body byte is the first token (what
  // history and metrics call TTFT, as for chat)
  const batches = async function* (chunks: AsyncIterable<ChatChunk>): AsyncGenerator<ResponseStreamEvent[]> {
    let opening: ResponseStreamEvent[] | undefined = builder.start()
    const withOpening = (events: ResponseStreamEvent[]): ResponseStreamEvent[] => {
      const all = opening ? [...opening, ...events] : events
      opening = undefined
      return all
    }
    try {
      for await (const c of chunks) {
        const events = builder.push(c)
        if (events.length > 0) yield withOpening(events)
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err
      yield withOpening(await end(builder.fail(failureOf(err))))
      // a non-streamed answer still fails as HTTP (a 502 before any byte)
      if (!stream) throw err
      return
    }
    yield withOpening(await end(builder.finish(Math.floor(now() / 1000))))
  }
  const body = stream
    ? (async function* () {
        for await (const events of batches(answer.chunks)) yield events.map(sseEvent).join('')
      })()
    : (async function* () {
        for await (const _ of batches(answer.chunks)) void _
        yield JSON.stringify(builder.response)
      })()
  const headers = stream ? { ...SSE_HEADERS } : { 'content-type': 'application/json; charset=utf-8' }
  return { result: { status: 200, headers, body }, route: answer.served.route, model: req.model, stream, usage }
}

/** `input` with each `item_reference` replaced by the stored output item it names; an unknown one is a 400. */
async function resolveReferences(stored: StoredResponses, input: ResponsesRequest['input'], identity: Identity | null, ctx: RequestContext): Promise<string | InputItem[]> {
  if (typeof input === 'string') return input
  const refs = input.flatMap((it) => (it.type === 'item_reference' ? [it.id] : []))
  const found = refs.length > 0 ? await stored.items(refs, identity, ctx) : new Map<string, InputItem>()
  return input.map((it, i) => {
    if (it.type !== 'item_reference') return it
    const item = found.get(it.id)
    if (!item) throw new InvalidRequestError(`Item with id '${it.id}' not found.`, `input[${i}].id`)
    return item
  })
}

/** The `error` of a response that failed mid-generation (5xx details stay generic, as everywhere). */
function failureOf(err: unknown): { code: string; message: string } {
  const { status, body } = openAiErrorOf(err)
  return { code: status >= 500 ? 'server_error' : body.error.code, message: body.error.message }
}
