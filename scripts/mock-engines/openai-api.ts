/**
 * The OpenAI API as vLLM, llama.cpp's server, LM Studio, SGLang and any OpenAI-compatible server
 * answer it (platform.openai.com/docs/api-reference): `GET /v1/models`, `POST /v1/chat/completions`
 * (JSON, or SSE `chat.completion.chunk` events ending in `data: [DONE]`, with a usage event when
 * `stream_options.include_usage`), `POST /v1/completions`, `POST /v1/embeddings`.
 */
import type { ServerResponse } from 'node:http'
import { embeddingOf, json, tokensOf, wordsOf, type Handler, type MockModel } from './server.js'

const promptText = (body: Record<string, unknown>): string =>
  Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]).map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join(' ') : String(body.prompt ?? '')

function sse(res: ServerResponse, events: unknown[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
  for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`)
  res.end('data: [DONE]\n\n')
}

export function openAiRoutes(models: MockModel[], answer: string, modelEntry: (m: MockModel) => Record<string, unknown>): Record<string, Handler> {
  const find = (res: ServerResponse, id: unknown): MockModel | undefined => {
    const m = models.find((x) => x.id === id)
    if (!m) json(res, 404, { error: { message: `The model \`${String(id)}\` does not exist.`, type: 'NotFoundError', param: null, code: 404 } })
    return m
  }
  return {
    'GET /v1/models': (_req, res) => json(res, 200, { object: 'list', data: models.map((m) => ({ id: m.id, object: 'model', created: 1700000000, ...modelEntry(m) })) }),
    'POST /v1/chat/completions': (_req, res, body) => {
      if (!find(res, body.model)) return
      const usage = { prompt_tokens: tokensOf(promptText(body)), completion_tokens: tokensOf(answer), total_tokens: tokensOf(promptText(body)) + tokensOf(answer) }
      const head = { id: 'chatcmpl-mock', created: Math.floor(Date.now() / 1000), model: body.model }
      if (body.stream !== true) return json(res, 200, { ...head, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: answer }, logprobs: null, finish_reason: 'stop' }], usage })
      const chunk = (delta: Record<string, unknown>, finish: string | null) => ({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })
      const events: unknown[] = [chunk({ role: 'assistant', content: '' }, null), ...wordsOf(answer).map((w) => chunk({ content: w }, null)), chunk({}, 'stop')]
      if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) events.push({ ...head, object: 'chat.completion.chunk', choices: [], usage })
      sse(res, events)
    },
    'POST /v1/completions': (_req, res, body) => {
      if (!find(res, body.model)) return
      const usage = { prompt_tokens: tokensOf(promptText(body)), completion_tokens: tokensOf(answer), total_tokens: tokensOf(promptText(body)) + tokensOf(answer) }
      const head = { id: 'cmpl-mock', object: 'text_completion', created: Math.floor(Date.now() / 1000), model: body.model }
      if (body.stream !== true) return json(res, 200, { ...head, choices: [{ index: 0, text: answer, logprobs: null, finish_reason: 'stop' }], usage })
      sse(res, [...wordsOf(answer).map((w) => ({ ...head, choices: [{ index: 0, text: w, logprobs: null, finish_reason: null }] })), { ...head, choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'stop' }] }])
    },
    'POST /v1/embeddings': (_req, res, body) => {
      if (!find(res, body.model)) return
      const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)]
      const n = inputs.reduce((s, t) => s + tokensOf(t), 0)
      json(res, 200, { object: 'list', data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: embeddingOf(t) })), model: body.model, usage: { prompt_tokens: n, total_tokens: n } })
    }
  }
}
