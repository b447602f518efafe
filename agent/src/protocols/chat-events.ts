/**
 * The one generation path every protocol translates onto: a protocol maps its request to an OpenAI
 * Chat Completions body (our internal generation request, `ChatCompletionRequestSchema`), calls the
 * inference service with it — routing, admission, forwarding, failover and auth scopes apply as for
 * any chat request — and reads the answer back here as typed chunks, which it formats into its own
 * JSON or stream events. The chat path always streams internally, so one reader serves both a
 * protocol's streamed and its non-streamed answers. Served on this node, the chunks are the chat
 * formatter's own objects (no SSE text made and parsed back); forwarded, they are read from the bytes.
 */
import { z } from 'zod'
import type { InferenceService, Served } from '../inference/inference-service.js'
import type { RequestContext } from '../inference/request-context.js'
import type { OpenAiErrorBody } from '../errors/render.js'
import { renderError } from '../errors/render.js'

const ToolCallDelta = z.object({
  index: z.number().int().nonnegative(),
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().optional(), arguments: z.string().optional() }).optional()
})

const TopLogprob = z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number()).nullish() })
const TokenLogprob = TopLogprob.extend({ top_logprobs: z.array(TopLogprob).optional() })

export const ChatUsageSchema = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().optional() }).nullish()
})
export type ChatUsage = z.infer<typeof ChatUsageSchema>

/** One `chat.completion.chunk` as the chat path streams it. */
export const ChatChunkSchema = z.object({
  id: z.string(),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      delta: z.object({
        role: z.string().optional(),
        content: z.string().nullish(),
        reasoning_content: z.string().nullish(),
        tool_calls: z.array(ToolCallDelta).optional()
      }),
      logprobs: z.object({ content: z.array(TokenLogprob).nullish() }).nullish(),
      finish_reason: z.string().nullish()
    })
  ),
  usage: ChatUsageSchema.nullish()
})
export type ChatChunk = z.infer<typeof ChatChunkSchema>

/**
 * The chat path answered with an error before its first byte (a status other than 200), or its stream
 * ended with an error event. `status` and `body` are what an OpenAI client would have seen; each
 * protocol renders them in its own error shape.
 */
export class ChatPathError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAiErrorBody,
    readonly headers: Record<string, string> = {},
    /** True when the error arrived after the stream had started (the status is already sent). */
    readonly midStream = false
  ) {
    super(body.error.message)
  }
}

/** The OpenAI status and error body of anything thrown on the chat path (typed errors, peers' answers). */
export function openAiErrorOf(err: unknown): { status: number; body: OpenAiErrorBody; headers: Record<string, string> } {
  if (err instanceof ChatPathError) return { status: err.status, body: err.body, headers: err.headers }
  return renderError(err)
}

/** A chat answer being read: where it was served, and its chunks. */
export interface ChatAnswer {
  served: Served
  chunks: AsyncGenerator<ChatChunk>
}

/**
 * Sends `body` (an OpenAI chat request) down the chat path as a stream with usage, and returns its
 * chunks. Throws a ChatPathError for a non-200 answer, and whatever the service throws (typed errors).
 */
export async function openChat(service: InferenceService, body: Record<string, unknown>, ctx: RequestContext): Promise<ChatAnswer> {
  const internal = { ...body, stream: true, stream_options: { include_usage: true } }
  // the ingress's raw bytes are the client's protocol, not this body: never forward them
  const { rawBody: _raw, ...rest } = ctx
  const served = await service.handle('chat', internal, rest)
  if (served.result.status !== 200) {
    const text = await drain(served.result.body)
    throw new ChatPathError(served.result.status, errorBodyOf(text, served.result.status), served.result.headers)
  }
  // served here: the chunk objects themselves, without the SSE text and its parsing back
  const local = served.result.chunks
  return { served, chunks: local ? localChunks(local) : readChatChunks(served.result.body) }
}

/**
 * Chunks generated on this node, as the stream would have carried them (they are made by our own
 * formatter, so no check): a failure after the start is the mid-stream error event's ChatPathError.
 */
async function* localChunks(chunks: AsyncIterable<Record<string, unknown>>): AsyncGenerator<ChatChunk> {
  try {
    for await (const c of chunks) yield c as unknown as ChatChunk
  } catch (err) {
    throw new ChatPathError(502, renderError(err).body, {}, true)
  }
}

/** Parses an SSE body of chat chunks; ends at `[DONE]`; an error event throws a mid-stream ChatPathError. */
export async function* readChatChunks(body: AsyncIterable<string | Uint8Array>): AsyncGenerator<ChatChunk> {
  const decoder = new TextDecoder()
  let buf = ''
  for await (const piece of body) {
    buf += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true })
    let cut: number
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const event = buf.slice(0, cut)
      buf = buf.slice(cut + 2)
      for (const line of event.split('\n')) {
        if (!line.startsWith('data:')) continue
        const data = line.slice(5).trim()
        if (data === '[DONE]') return
        const value: unknown = JSON.parse(data)
        if (typeof value === 'object' && value !== null && 'error' in value) {
          throw new ChatPathError(502, errorBodyOf(data, 502), {}, true)
        }
        const chunk = ChatChunkSchema.safeParse(value)
        if (chunk.success) yield chunk.data
      }
    }
  }
}

/** What a whole chat answer amounts to, for protocols that answer in one body. */
export interface CollectedChat {
  id: string
  created: number
  model: string
  text: string
  reasoning: string
  toolCalls: { id: string; name: string; arguments: string }[]
  finishReason: string | null
  usage: ChatUsage | null
  logprobs: z.infer<typeof TokenLogprob>[]
}

/** Collects the chunks of choice 0 into one answer. */
export async function collectChat(chunks: AsyncIterable<ChatChunk>): Promise<CollectedChat> {
  const out: CollectedChat = { id: '', created: 0, model: '', text: '', reasoning: '', toolCalls: [], finishReason: null, usage: null, logprobs: [] }
  for await (const c of chunks) {
    out.id ||= c.id
    out.created ||= c.created
    out.model ||= c.model
    if (c.usage) out.usage = c.usage
    for (const ch of c.choices) {
      if (ch.index !== 0) continue
      out.text += ch.delta.content ?? ''
      out.reasoning += ch.delta.reasoning_content ?? ''
      for (const t of ch.delta.tool_calls ?? []) {
        const call = (out.toolCalls[t.index] ??= { id: '', name: '', arguments: '' })
        if (t.id) call.id = t.id
        if (t.function?.name) call.name += t.function.name
        if (t.function?.arguments) call.arguments += t.function.arguments
      }
      if (ch.logprobs?.content) out.logprobs.push(...ch.logprobs.content)
      if (ch.finish_reason) out.finishReason = ch.finish_reason
    }
  }
  out.toolCalls = out.toolCalls.filter(Boolean)
  return out
}

/** The whole body as text. */
export async function drain(body: AsyncIterable<string | Uint8Array>): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  for await (const piece of body) text += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true })
  return text
}

/** The OpenAI error body in `text`, or a generic one for `status` when it is not one. */
export function errorBodyOf(text: string, status: number): OpenAiErrorBody {
  try {
    const e = (JSON.parse(text) as Partial<OpenAiErrorBody>).error
    if (e && typeof e.message === 'string') return { error: { message: e.message, type: e.type ?? 'server_error', param: e.param ?? null, code: e.code ?? `http_${status}` } }
  } catch {
    // not an OpenAI error body
  }
  return renderError({ code: status >= 500 ? 'upstream_failed' : 'invalid_request', message: `HTTP ${status}` }).body
}
