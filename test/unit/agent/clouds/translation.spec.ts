/**
 * Cloud translation against local stand-ins of the providers (test/helpers/mock-providers.ts): an
 * OpenAI chat request becomes the provider's request (system, images, tools and their results, stop,
 * limits), and the provider's stream comes back as OpenAI chunks, chunk by chunk; provider errors keep
 * their status (429 with Retry-After), a non-JSON answer is a clear provider_failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudBackend, ProviderCatalog, anthropicChunks, anthropicRequestOf, geminiChunks, geminiRequestOf, type ProviderSettings } from '../../../../agent/src/clouds/index.js'
import { chatResult } from '../../../../agent/src/clouds/chat-output.js'
import { ChatCompletionRequestSchema } from '../../../../agent/src/http/schemas/openai.js'
import { mockAnthropic, mockGemini, mockOpenAi, type MockProvider } from '../../../helpers/mock-providers.js'

const KEY = 'sk-unit-test-key-0123456789'
const PNG = 'data:image/png;base64,iVBORw0KGgo='

const history = ChatCompletionRequestSchema.parse({
  model: 'x',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'What is in this image, and the weather?' }, { type: 'image_url', image_url: { url: PNG } }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' }
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'], additionalProperties: false } } }],
  tool_choice: 'required',
  stop: 'END',
  max_tokens: 100,
  temperature: 1.5,
  top_p: 0.9
})

describe('request translation', () => {
  it('to Anthropic Messages: system, image block, tool_use and tool_result, limits', () => {
    const r = anthropicRequestOf(history, 'claude-test-1')
    expect(r).toMatchObject({ model: 'claude-test-1', system: 'Be brief.', max_tokens: 100, temperature: 1, top_p: 0.9, stop_sequences: ['END'], stream: true, tool_choice: { type: 'any' } })
    expect(r.tools).toEqual([{ name: 'get_weather', description: 'Weather', input_schema: history.tools?.[0]?.function.parameters }])
    expect(r.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is in this image, and the weather?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '{"temp":21}' }] }
    ])
  })

  it('to Gemini: systemInstruction, inlineData, functionCall and functionResponse, generationConfig', () => {
    const r = geminiRequestOf(history)
    expect(r.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] })
    expect(r.contents).toEqual([
      { role: 'user', parts: [{ text: 'What is in this image, and the weather?' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] },
      { role: 'model', parts: [{ functionCall: { id: 'call_1', name: 'get_weather', args: { location: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { id: 'call_1', name: 'get_weather', response: { temp: 21 } } }] }
    ])
    expect(r.generationConfig).toEqual({ temperature: 1.5, topP: 0.9, maxOutputTokens: 100, stopSequences: ['END'] })
    expect(r.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } })
    // JSON Schema keywords Gemini refuses are dropped
    expect(r.tools).toEqual([{ functionDeclarations: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } }] }])
  })

  it('refuses what a provider cannot take with a 400', () => {
    expect(() => anthropicRequestOf(ChatCompletionRequestSchema.parse({ model: 'x', n: 2, messages: [{ role: 'user', content: 'hi' }] }), 'm')).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'n' }))
    expect(() => geminiRequestOf(ChatCompletionRequestSchema.parse({ model: 'x', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'file:///etc/passwd' }] }] }))).toThrow(expect.objectContaining({ code: 'invalid_request' }))
  })
})

async function textOf(body: AsyncIterable<string | Uint8Array>): Promise<string> {
  let text = ''
  for await (const c of body) text += typeof c === 'string' ? c : Buffer.from(c).toString()
  return text
}

/** The SSE events of a result body, parsed (`[DONE]` as the string). */
async function events(body: AsyncIterable<string | Uint8Array>): Promise<unknown[]> {
  return (await textOf(body))
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => (e.slice(6) === '[DONE]' ? '[DONE]' : JSON.parse(e.slice(6))))
}

const ctx = () => ({ requestId: 'req-1', signal: new AbortController().signal, hops: 0, local: true })

function backendOf(kind: ProviderSettings['kind'], baseUrl: string, apiKey = KEY): CloudBackend {
  const prefix = kind === 'compatible' ? 'router' : kind
  return new CloudBackend({ kind, prefix, baseUrl, apiKey, keySource: 'local' }, new ProviderCatalog({ ttlMs: 60_000, fetch: async () => [] }))
}

const chat = (model: string, content: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content }], ...extra })
const delta = (e: unknown) => (e as { choices: { delta: Record<string, unknown>; finish_reason: string | null }[] }).choices[0]

describe('stream translation', () => {
  let anthropic: MockProvider
  let gemini: MockProvider
  let openai: MockProvider
  beforeAll(async () => {
    ;[anthropic, gemini, openai] = await Promise.all([mockAnthropic(KEY), mockGemini(KEY), mockOpenAi(KEY)])
  })
  afterAll(async () => Promise.all([anthropic.close(), gemini.close(), openai.close()]))

  it('Anthropic text: one chunk per text_delta, finish and usage at message_stop', async () => {
    const out = await backendOf('anthropic', anthropic.url).serve('chat', chat('anthropic:claude-test-1', 'hi', { stream: true, stream_options: { include_usage: true } }), ctx())
    expect(out.result.status).toBe(200)
    const ev = await events(out.result.body)
    expect(ev.at(-1)).toBe('[DONE]')
    expect(ev.slice(0, 5).map(delta)).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null },
      { index: 0, delta: { content: 'Hello' }, finish_reason: null },
      { index: 0, delta: { content: ' from' }, finish_reason: null },
      { index: 0, delta: { content: ' Claude' }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: 'stop' }
    ])
    expect(ev[5]).toMatchObject({ object: 'chat.completion.chunk', model: 'anthropic:claude-test-1', choices: [], usage: { prompt_tokens: 25, completion_tokens: 12, total_tokens: 37 } })
    expect(out.usage).toEqual({ promptTokens: 25, completionTokens: 12 })
    expect(anthropic.headers.at(-1)).toMatchObject({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01' })
    expect(anthropic.requests.at(-1)).toMatchObject({ model: 'claude-test-1', stream: true, max_tokens: 4096 })
  })

  it('Anthropic tool_use: id and name first, then input_json_delta pieces as argument deltas', async () => {
    const out = await backendOf('anthropic', anthropic.url).serve('chat', chat('anthropic:claude-test-1', 'use a tool', { stream: true }), ctx())
    const ev = (await events(out.result.body)).filter((e) => e !== '[DONE]').map(delta)
    expect(ev).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null },
      { index: 0, delta: { content: 'Let me check.' }, finish_reason: null },
      { index: 0, delta: { tool_calls: [{ index: 0, id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null },
      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '' } }] }, finish_reason: null },
      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"location": "Par' } }] }, finish_reason: null },
      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'is"}' } }] }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: 'tool_calls' }
    ])
  })

  it('Gemini text and functionCall: parts as deltas, finishReason and usageMetadata mapped', async () => {
    const text = await backendOf('google', gemini.url).serve('chat', chat('google:gemini-test', 'hi', { stream: true, stream_options: { include_usage: true }, max_tokens: 5 }), ctx())
    const ev = await events(text.result.body)
    expect(ev.slice(0, 4).map(delta)).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null },
      { index: 0, delta: { content: 'Hello' }, finish_reason: null },
      { index: 0, delta: { content: ' from Gemini' }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: 'stop' }
    ])
    expect(ev[4]).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 } })
    expect(gemini.headers.at(-1)?.['x-goog-api-key']).toBe(KEY)
    expect(gemini.requests.at(-1)).toMatchObject({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 5 } })

  })

  it('non-streamed answers are collected into one chat.completion, tool calls included', async () => {
    const out = await backendOf('google', gemini.url).serve('chat', chat('google:gemini-test', 'use a tool'), ctx())
    const b = JSON.parse(await textOf(out.result.body)) as { object: string; choices: { message: { tool_calls: { id: string; function: { name: string; arguments: string } }[] }; finish_reason: string }[]; usage: unknown }
    expect(b.object).toBe('chat.completion')
    expect(b.choices[0]?.finish_reason).toBe('tool_calls')
    expect(b.choices[0]?.message.tool_calls[0]?.function).toEqual({ name: 'get_weather', arguments: '{"location":"Paris"}' })
    expect(b.choices[0]?.message.tool_calls[0]?.id).toMatch(/^call_/)
    expect(b.usage).toEqual({ prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 })
  })

  it('provider errors keep their status in OpenAI shape; 429 keeps Retry-After (Gemini: from RetryInfo)', async () => {
    // OpenAI's own error body passes as it is (its 429s say `type: "requests"` or `"tokens"`)
    for (const [backend, model, retry, type, code] of [
      [backendOf('anthropic', anthropic.url), 'anthropic:claude-test-1', '7', 'rate_limit_error', 'rate_limit_error'],
      [backendOf('google', gemini.url), 'google:gemini-test', '12', 'rate_limit_error', 'resource_exhausted'],
      [backendOf('openai', openai.url), 'openai:gpt-test', '3', 'requests', 'rate_limit_exceeded']
    ] as const) {
      const out = await backend.serve('chat', chat(model, 'rate limit please', { stream: true }), ctx())
      expect(out.result.status).toBe(429)
      expect(out.result.headers['retry-after']).toBe(retry)
      const err = JSON.parse(await textOf(out.result.body)) as { error: Record<string, unknown> }
      expect(err.error).toMatchObject({ type, code })
    }
    const bad = await backendOf('anthropic', anthropic.url, 'sk-wrong-key-000000000').serve('chat', chat('anthropic:claude-test-1', 'hi'), ctx())
    expect(bad.result.status).toBe(401)
  })

  it('an answer that is not the provider API (an HTML page) is provider_failed, for every provider', async () => {
    for (const [backend, model] of [[backendOf('anthropic', anthropic.url), 'anthropic:claude-test-1'], [backendOf('google', gemini.url), 'google:gemini-test'], [backendOf('openai', openai.url), 'openai:gpt-test']] as const) {
      await expect(backend.serve('chat', chat(model, 'html please'), ctx())).rejects.toMatchObject({ code: 'provider_failed' })
    }
    await expect(backendOf('anthropic', 'http://127.0.0.1:9').serve('chat', chat('anthropic:claude-test-1', 'hi'), ctx())).rejects.toMatchObject({ code: 'provider_failed', message: expect.stringContaining('could not be reached') })
  })

  it('an OpenAI-compatible prefix passes through to its base URL, streams relayed as they come', async () => {
    const out = await backendOf('compatible', openai.url).serve('chat', chat('router:gpt-test', 'hi', { stream: true }), ctx())
    expect(out.result.headers['content-type']).toContain('text/event-stream')
    const ev = await events(out.result.body)
    expect(ev.filter((e) => e !== '[DONE]').map((e) => delta(e)?.delta.content ?? '').join('')).toBe('Hello from GPT')
    expect(ev.at(-1)).toBe('[DONE]')
    expect(openai.requests.at(-1)).toMatchObject({ model: 'gpt-test', stream: true })
    expect(backendOf('compatible', openai.url).match('router:anything')).toMatchObject({ engine: 'cloud:compatible' })
  })

  it('OpenAI passes through with the prefix removed from the model id', async () => {
    const out = await backendOf('openai', openai.url).serve('chat', chat('openai:gpt-test', 'hi'), ctx())
    expect(out.result.status).toBe(200)
    expect(openai.requests.at(-1)).toMatchObject({ model: 'gpt-test' })
    expect(openai.headers.at(-1)?.authorization).toBe(`Bearer ${KEY}`)
  })
})

describe('stream endings', () => {
  const meta = { id: 'chatcmpl-1', created: 1, model: 'm' }
  async function* feed(events: { event?: string; data: unknown }[]) {
    for (const e of events) yield { ...(e.event ? { event: e.event } : {}), data: JSON.stringify(e.data) }
  }
  const stream = { stream: true, includeUsage: false }

  it('an Anthropic error event after the first bytes ends the OpenAI stream with an error event', async () => {
    const chunks = anthropicChunks(feed([
      { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_1', usage: { input_tokens: 3, output_tokens: 1 } } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } } },
      { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }
    ]), meta)
    const result = await chatResult(chunks, { ...stream, usage: { promptTokens: 0, completionTokens: 0 } })
    const ev = await events(result.body)
    expect(ev.map((e) => (typeof e === 'object' && e && 'choices' in e ? delta(e)?.delta : e))).toEqual([{ role: 'assistant', content: '' }, { content: 'Hi' }, { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } }])
  })

  it('an Anthropic stream that stops before message_stop, or an error first, fails before the head', async () => {
    await expect(chatResult(anthropicChunks(feed([{ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }]), meta), { ...stream, usage: { promptTokens: 0, completionTokens: 0 } })).rejects.toMatchObject({ code: 'provider_failed', message: 'Overloaded' })
    const cut = await chatResult(anthropicChunks(feed([{ event: 'message_start', data: { type: 'message_start', message: { usage: {} } } }]), meta), { ...stream, usage: { promptTokens: 0, completionTokens: 0 } })
    expect((await events(cut.body)).at(-1)).toMatchObject({ error: { code: 'provider_failed', message: 'anthropic ended the stream before message_stop' } })
  })

  it('Gemini: a prompt blocked before any candidate finishes with content_filter; thought parts are reasoning', async () => {
    const blocked = await chatResult(geminiChunks(feed([{ data: { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } } }]), meta), { ...stream, usage: { promptTokens: 0, completionTokens: 0 } })
    expect((await events(blocked.body)).filter((e) => e !== '[DONE]').map((e) => delta(e)?.finish_reason)).toEqual([null, 'content_filter'])
    const usage = { promptTokens: 0, completionTokens: 0 }
    const thoughts = await chatResult(geminiChunks(feed([{ data: { candidates: [{ content: { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'Answer' }] }, finishReason: 'MAX_TOKENS' }], usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 5 } } }]), meta), { stream: false, includeUsage: false, usage })
    expect(JSON.parse(await textOf(thoughts.body))).toMatchObject({ choices: [{ message: { content: 'Answer', reasoning_content: 'thinking…' }, finish_reason: 'length' }], usage: { prompt_tokens: 4, completion_tokens: 7 } })
    expect(usage).toEqual({ promptTokens: 4, completionTokens: 7 })
  })
})
