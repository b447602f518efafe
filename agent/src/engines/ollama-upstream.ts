/**
 * Serving through Ollama's native API: OpenAI chat → `POST /api/chat`, completions →
 * `POST /api/generate`, embeddings → `POST /api/embed`; Ollama's NDJSON lines come back as OpenAI
 * chat chunks (or one OpenAI object when not streamed). The reverse of protocols/ollama, whose
 * request mapping (images, tool calls, options) this mirrors.
 */
import { randomUUID } from 'node:crypto'
import { InvalidRequestError } from '../errors/errors.js'
import { SSE_DONE, SSE_HEADERS, jsonResult, sseData, type HttpResult } from '../inference/http-result.js'
import type { BackendApi } from '../backends/index.js'
import { EngineBadResponseError } from './engine-errors.js'
import { callEngine, engineErrorResult, readJson, splitOn, type UpstreamCall, type Usage } from './upstream.js'

type Body = Record<string, unknown>

/** Bare base64 of a data URL (Ollama takes images without their type). */
const bareImage = (url: string): string => (url.startsWith('data:') ? url.slice(url.indexOf(',') + 1) : url)

/** One OpenAI chat message as Ollama's `{role, content, images?, tool_calls?}`. */
function messageOf(m: Body): Body {
  const out: Body = { role: m.role }
  const images: string[] = []
  if (Array.isArray(m.content)) {
    const texts: string[] = []
    for (const p of m.content as Body[]) {
      if (p.type === 'text') texts.push(String(p.text ?? ''))
      else if (p.type === 'image_url') images.push(bareImage(String((p.image_url as Body | undefined)?.url ?? '')))
    }
    out.content = texts.join('\n')
  } else out.content = typeof m.content === 'string' ? m.content : ''
  if (images.length > 0) out.images = images
  if (Array.isArray(m.tool_calls)) {
    out.tool_calls = (m.tool_calls as Body[]).map((c) => {
      const f = (c.function ?? {}) as Body
      let args: unknown = {}
      try {
        args = JSON.parse(String(f.arguments || '{}'))
      } catch {
        args = {}
      }
      return { function: { name: f.name, arguments: args } }
    })
  }
  if (m.role === 'tool' && typeof m.name === 'string') out.tool_name = m.name
  return out
}

/** Sampling options and output format, as Ollama names them. */
export function optionsOf(b: Body): { options: Body; format?: unknown } {
  const o: Body = {}
  for (const k of ['temperature', 'top_p', 'top_k', 'seed', 'presence_penalty', 'frequency_penalty'] as const) if (b[k] !== undefined && b[k] !== null) o[k] = b[k]
  if (b.stop !== undefined && b.stop !== null) o.stop = Array.isArray(b.stop) ? b.stop : [b.stop]
  const max = b.max_completion_tokens ?? b.max_tokens
  if (typeof max === 'number') o.num_predict = max
  const rf = b.response_format as Body | undefined
  const format = rf?.type === 'json_object' ? 'json' : rf?.type === 'json_schema' ? (rf.json_schema as Body | undefined)?.schema : undefined
  return { options: o, ...(format === undefined ? {} : { format }) }
}

const finishOf = (line: Body, toolCalls: boolean): string => (toolCalls ? 'tool_calls' : line.done_reason === 'length' ? 'length' : 'stop')

function usageFrom(line: Body, into: Usage): void {
  if (typeof line.prompt_eval_count === 'number') into.promptTokens = line.prompt_eval_count
  if (typeof line.eval_count === 'number') into.completionTokens = line.eval_count
}

const openAiUsage = (u: Usage): Body => ({ prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.promptTokens + u.completionTokens })

/** Ollama's tool calls as OpenAI's (arguments as JSON text, ids made up: Ollama sends none). */
const toolCallsOf = (calls: unknown): Body[] =>
  (Array.isArray(calls) ? (calls as Body[]) : []).map((c, index) => {
    const f = (c.function ?? {}) as Body
    return { index, id: `call_${randomUUID().slice(0, 8)}`, type: 'function', function: { name: String(f.name ?? ''), arguments: JSON.stringify(f.arguments ?? {}) } }
  })

export async function serveOllama(c: UpstreamCall, api: BackendApi, body: Body, upstream: string): Promise<{ result: HttpResult; usage: Usage }> {
  const usage: Usage = { promptTokens: 0, completionTokens: 0 }
  const model = String(body.model)
  if (api === 'count_tokens') throw new InvalidRequestError('Counting tokens is not available for models served by an engine', 'model')
  if (api === 'embeddings') {
    const res = await callEngine(c, '/api/embed', { model: upstream, input: body.input, ...(body.dimensions ? { dimensions: body.dimensions } : {}) })
    const v = await readJson(c, res)
    if (res.statusCode >= 400) return { result: engineErrorResult(res.statusCode, v), usage }
    if (!Array.isArray(v.embeddings)) throw new EngineBadResponseError(c.engine, 'no embeddings in the answer')
    usageFrom(v, usage)
    const data = (v.embeddings as unknown[]).map((embedding, index) => ({ object: 'embedding', index, embedding }))
    return { result: jsonResult(200, { object: 'list', data, model, usage: { prompt_tokens: usage.promptTokens, total_tokens: usage.promptTokens } }), usage }
  }
  const stream = body.stream === true
  const { options, format } = optionsOf(body)
  const chat = api === 'chat'
  const req: Body = chat
    ? { model: upstream, messages: (body.messages as Body[]).map(messageOf), stream, options, ...(format === undefined ? {} : { format }), ...(Array.isArray(body.tools) ? { tools: body.tools } : {}) }
    : { model: upstream, prompt: Array.isArray(body.prompt) ? body.prompt.join('') : String(body.prompt ?? ''), stream, options, ...(format === undefined ? {} : { format }), ...(typeof body.suffix === 'string' ? { suffix: body.suffix } : {}) }
  const res = await callEngine(c, chat ? '/api/chat' : '/api/generate', req, stream ? 'application/x-ndjson' : 'application/json')
  const id = `${chat ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`
  const created = Math.floor(Date.now() / 1000)
  if (!stream || res.statusCode >= 400) {
    const v = await readJson(c, res)
    if (res.statusCode >= 400) return { result: engineErrorResult(res.statusCode, v), usage }
    usageFrom(v, usage)
    return { result: jsonResult(200, chat ? chatObject(v, id, created, model, usage) : completionObject(v, id, created, model, usage)), usage }
  }
  const includeUsage = (body.stream_options as Body | undefined)?.include_usage === true
  return { result: { status: 200, headers: { ...SSE_HEADERS }, body: chunks(res.body, { id, created, model, chat, includeUsage }, usage) }, usage }
}

function chatObject(v: Body, id: string, created: number, model: string, usage: Usage): Body {
  const msg = (v.message ?? {}) as Body
  const calls = toolCallsOf(msg.tool_calls).map(({ index: _i, ...c }) => c)
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: typeof msg.content === 'string' ? msg.content : '', ...(calls.length ? { tool_calls: calls } : {}) }, finish_reason: finishOf(v, calls.length > 0), logprobs: null }],
    usage: openAiUsage(usage)
  }
}

function completionObject(v: Body, id: string, created: number, model: string, usage: Usage): Body {
  return { id, object: 'text_completion', created, model, choices: [{ index: 0, text: String(v.response ?? ''), finish_reason: finishOf(v, false), logprobs: null }], usage: openAiUsage(usage) }
}

/** Ollama's NDJSON lines as OpenAI stream events. */
async function* chunks(body: AsyncIterable<Uint8Array>, m: { id: string; created: number; model: string; chat: boolean; includeUsage: boolean }, usage: Usage): AsyncGenerator<string> {
  const head = { id: m.id, object: m.chat ? 'chat.completion.chunk' : 'text_completion', created: m.created, model: m.model }
  let first = true
  let sawTools = false
  for await (const text of splitOn(body, '\n')) {
    let line: Body
    try {
      line = JSON.parse(text) as Body
    } catch {
      continue
    }
    if (typeof line.error === 'string') {
      yield sseData({ error: { message: line.error, type: 'server_error', param: null, code: 'stream_failed' } })
      yield SSE_DONE
      return
    }
    const msg = (line.message ?? {}) as Body
    const calls = toolCallsOf(msg.tool_calls)
    sawTools ||= calls.length > 0
    const content = m.chat ? (typeof msg.content === 'string' ? msg.content : '') : String(line.response ?? '')
    const done = line.done === true
    if (done) usageFrom(line, usage)
    if (content || calls.length || first || done) {
      const finish = done ? finishOf(line, sawTools) : null
      const choice = m.chat
        ? { index: 0, delta: { ...(first ? { role: 'assistant' } : {}), ...(content || !calls.length ? { content } : {}), ...(calls.length ? { tool_calls: calls } : {}) }, finish_reason: finish, logprobs: null }
        : { index: 0, text: content, finish_reason: finish, logprobs: null }
      yield sseData({ ...head, choices: [choice] })
      first = false
    }
    if (done) {
      if (m.includeUsage) yield sseData({ ...head, choices: [], usage: openAiUsage(usage) })
      yield SSE_DONE
      return
    }
  }
  yield sseData({ error: { message: 'The stream from the engine serving this model broke', type: 'server_error', param: null, code: 'stream_failed' } })
  yield SSE_DONE
}
