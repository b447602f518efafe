/**
 * What every protocol translator does around the one chat path: the request context of a route, the
 * answer re-shaped into the protocol's own body, and the JSON answer of a non-streamed service call.
 * The translated answer keeps the chat answer's route (served-by, hops…), so history, metrics and the
 * `x-llmlb-*` headers stay true, and carries the usage the translator read, since history and the
 * tokens/min meter only find OpenAI-shaped usage in the bytes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { callerOf } from '../auth/identity.js'
import type { Served } from '../inference/inference-service.js'
import type { RequestContext } from '../inference/request-context.js'
import { clientGoneSignal } from '../http/request-signal.js'
import { sendServed } from '../http/send-result.js'
import { ChatPathError, drain, errorBodyOf, type ChatUsage } from './chat-events.js'

/** Tokens of a translated answer, filled in as its usage arrives (history and the meter read it at the end). */
export interface TokenCount {
  promptTokens: number
  completionTokens: number
}

/** Wraps an answer to charge its tokens to the caller's rate limit (auth), as for OpenAI routes. */
export type Meter = (request: FastifyRequest, served: Served) => Served

/** The inference context of a protocol route's request (the ingress: hops 0, may forward). */
export function contextOf(request: FastifyRequest, reply: FastifyReply): RequestContext {
  return { requestId: request.id, signal: clientGoneSignal(reply), hops: 0, local: false, caller: callerOf(request.identity) }
}

/** Copies a chat usage object into `into`. */
export function countUsage(into: TokenCount, usage: ChatUsage | null | undefined): void {
  if (!usage) return
  into.promptTokens = usage.prompt_tokens
  into.completionTokens = usage.completion_tokens
}

/** Sends `body` (the protocol's own bytes) as the answer of `served`, with history and metering. */
export async function sendTranslated(
  request: FastifyRequest,
  reply: FastifyReply,
  served: Served,
  answer: { headers: Record<string, string>; body: AsyncIterable<string | Uint8Array>; usage: TokenCount; stream: boolean },
  meter?: Meter
): Promise<void> {
  const translated: Served = { ...served, stream: answer.stream, usage: answer.usage, result: { status: 200, headers: answer.headers, body: answer.body } }
  await sendServed(reply, meter ? meter(request, translated) : translated, { 'x-request-id': request.id })
}

/** The JSON body of a 200 answer; a ChatPathError (the OpenAI status and body) for any other. */
export async function jsonAnswerOf<T>(served: Served): Promise<T> {
  const text = await drain(served.result.body)
  if (served.result.status !== 200) throw new ChatPathError(served.result.status, errorBodyOf(text, served.result.status), served.result.headers)
  return JSON.parse(text) as T
}

/** A body of one piece. */
export async function* once(text: string): AsyncGenerator<string> {
  yield text
}
