/**
 * Local stand-ins for the cloud providers, written from their published API references (not from
 * llmlb's client code): Anthropic Messages (`POST /v1/messages` with `x-api-key` and
 * `anthropic-version`, SSE events `message_start` → `content_block_start` / `content_block_delta`
 * (`text_delta`, `input_json_delta`) / `content_block_stop` → `message_delta` → `message_stop`, errors
 * `{type:"error",error:{type,message}}`, `GET /v1/models`), Gemini (`POST
 * /v1beta/models/{model}:streamGenerateContent?alt=sse` with `x-goog-api-key`, each event a whole
 * GenerateContentResponse with `candidates[].content.parts`, `finishReason`, `usageMetadata`; errors
 * `{error:{code,message,status,details}}`; `GET /v1beta/models`), and OpenAI (`/v1/chat/completions`,
 * `/v1/models`). What the last user message says picks the behaviour: `tool` → a tool call,
 * `rate limit` → 429, `html` → an HTML page with status 200.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

export interface MockProvider {
  url: string
  /** Request bodies received on the chat endpoint, parsed. */
  requests: Record<string, unknown>[]
  /** Header values of those requests. */
  headers: IncomingMessage['headers'][]
  close: () => Promise<void>
}

type Handler = (req: IncomingMessage, body: Record<string, unknown>, res: ServerResponse) => void

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const c of req) text += c
  return text ? (JSON.parse(text) as Record<string, unknown>) : {}
}

async function serve(route: (req: IncomingMessage) => Handler | undefined, requests: Record<string, unknown>[], headers: IncomingMessage['headers'][]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      const h = route(req)
      if (!h) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }))
        return
      }
      if (req.method === 'POST') {
        requests.push(body)
        headers.push(req.headers)
      }
      h(req, body, res)
    })()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  return { server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` }
}

const closeOf = (server: Server) => () => new Promise<void>((r) => server.close(() => r()))

/** Text of the last user turn, in any of the three request shapes. */
function lastUserText(body: Record<string, unknown>): string {
  const turns = (body.messages ?? body.contents ?? []) as { role: string; content?: unknown; parts?: { text?: string }[] }[]
  const last = [...turns].reverse().find((t) => t.role === 'user')
  if (!last) return ''
  if (typeof last.content === 'string') return last.content
  if (Array.isArray(last.content)) return last.content.map((b: { text?: string }) => b.text ?? '').join('')
  return (last.parts ?? []).map((p) => p.text ?? '').join('')
}

const json = (res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...extra }).end(JSON.stringify(value))
}

const html = (res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to the captive portal</body></html>')
}

/** Anthropic Messages API. */
export async function mockAnthropic(apiKey: string): Promise<MockProvider> {
  const requests: Record<string, unknown>[] = []
  const headers: IncomingMessage['headers'][] = []
  const authed = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.headers['x-api-key'] === apiKey && req.headers['anthropic-version']) return true
    json(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } })
    return false
  }
  const { server, url } = await serve(
    (req) => {
      if (req.method === 'GET' && req.url?.startsWith('/v1/models')) {
        return (r, _b, res) => authed(r, res) && json(res, 200, { data: [{ type: 'model', id: 'claude-test-1', display_name: 'Claude Test 1', created_at: '2025-05-14T00:00:00Z' }, { type: 'model', id: 'claude-test-2', display_name: 'Claude Test 2', created_at: '2025-05-14T00:00:00Z' }], has_more: false, first_id: 'claude-test-1', last_id: 'claude-test-2' })
      }
      if (req.method !== 'POST' || req.url !== '/v1/messages') return undefined
      return (r, body, res) => {
        if (!authed(r, res)) return
        const said = lastUserText(body)
        if (said.includes('rate limit')) return json(res, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } }, { 'retry-after': '7' })
        if (said.includes('html')) return html(res)
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        const send = (event: string, data: Record<string, unknown>): boolean => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`)
        send('message_start', { message: { id: 'msg_01Test', type: 'message', role: 'assistant', content: [], model: body.model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, output_tokens: 1 } } })
        send('ping', {})
        if (said.includes('tool')) {
          send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })
          send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Let me check.' } })
          send('content_block_stop', { index: 0 })
          send('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: {} } })
          send('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } })
          send('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"location": "Par' } })
          send('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: 'is"}' } })
          send('content_block_stop', { index: 1 })
          send('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 31 } })
        } else {
          send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })
          for (const t of ['Hello', ' from', ' Claude']) send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } })
          send('content_block_stop', { index: 0 })
          send('message_delta', { delta: { stop_reason: said.includes('long') ? 'max_tokens' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 12 } })
        }
        send('message_stop', {})
        res.end()
      }
    },
    requests,
    headers
  )
  return { url, requests, headers, close: closeOf(server) }
}

/** Gemini API (generativelanguage.googleapis.com). */
export async function mockGemini(apiKey: string): Promise<MockProvider> {
  const requests: Record<string, unknown>[] = []
  const headers: IncomingMessage['headers'][] = []
  const authed = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.headers['x-goog-api-key'] === apiKey) return true
    json(res, 400, { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } })
    return false
  }
  const { server, url } = await serve(
    (req) => {
      if (req.method === 'GET' && req.url?.startsWith('/v1beta/models')) {
        return (r, _b, res) =>
          authed(r, res) &&
          json(res, 200, {
            models: [
              { name: 'models/gemini-test', displayName: 'Gemini Test', inputTokenLimit: 1048576, outputTokenLimit: 8192, supportedGenerationMethods: ['generateContent', 'countTokens'] },
              { name: 'models/text-embedding-test', displayName: 'Embedding', supportedGenerationMethods: ['embedContent'] }
            ]
          })
      }
      const m = /^\/v1beta\/models\/([^/:]+):streamGenerateContent\?alt=sse$/.exec(req.url ?? '')
      if (req.method !== 'POST' || !m) return undefined
      return (r, body, res) => {
        if (!authed(r, res)) return
        const said = lastUserText(body)
        if (said.includes('rate limit')) return json(res, 429, { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' }] } })
        if (said.includes('html')) return html(res)
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        const send = (v: unknown): boolean => res.write(`data: ${JSON.stringify(v)}\r\n\r\n`)
        const usage = { promptTokenCount: 9, candidatesTokenCount: 6, totalTokenCount: 15 }
        if (said.includes('tool')) {
          send({ candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris' } } }] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage, modelVersion: m[1] })
        } else {
          send({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, index: 0 }], usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, modelVersion: m[1] })
          send({ candidates: [{ content: { role: 'model', parts: [{ text: ' from Gemini' }] }, index: 0 }], modelVersion: m[1] })
          send({ candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: said.includes('long') ? 'MAX_TOKENS' : 'STOP', index: 0 }], usageMetadata: usage, modelVersion: m[1] })
        }
        res.end()
      }
    },
    requests,
    headers
  )
  return { url, requests, headers, close: closeOf(server) }
}

/** OpenAI API (base URL includes /v1, as OPENAI_BASE_URL does). */
export async function mockOpenAi(apiKey: string): Promise<MockProvider> {
  const requests: Record<string, unknown>[] = []
  const headers: IncomingMessage['headers'][] = []
  const authed = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.headers.authorization === `Bearer ${apiKey}`) return true
    json(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
    return false
  }
  const { server, url } = await serve(
    (req) => {
      if (req.method === 'GET' && req.url === '/v1/models') return (r, _b, res) => authed(r, res) && json(res, 200, { object: 'list', data: [{ id: 'gpt-test', object: 'model', created: 1700000000, owned_by: 'openai' }] })
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return undefined
      return (r, body, res) => {
        if (!authed(r, res)) return
        const said = lastUserText(body)
        if (said.includes('rate limit')) return json(res, 429, { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { 'retry-after': '3' })
        if (said.includes('html')) return html(res)
        const base = { id: 'chatcmpl-mock', created: 1700000000, model: body.model }
        if (body.stream !== true) return json(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from GPT' }, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } })
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        for (const [delta, finish] of [[{ role: 'assistant', content: '' }, null], [{ content: 'Hello from GPT' }, null], [{}, 'stop']] as const) res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`)
        res.end('data: [DONE]\n\n')
      }
    },
    requests,
    headers
  )
  return { url: `${url}/v1`, requests, headers, close: closeOf(server) }
}
