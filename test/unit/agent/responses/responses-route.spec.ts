/**
 * The /v1/responses routes in the real HTTP app over a scripted chat path (what the chat path answers
 * is fixed here; the real one is exercised by test/integration/responses): what the translator sends
 * down the chat path, and that the official clients accept what comes back — function calls through
 * the openai client (JSON and stream), the AI SDK's tool calls and generateObject.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import OpenAI from 'openai'
import { createOpenAI } from '@ai-sdk/openai'
import { generateObject, generateText, jsonSchema, tool } from 'ai'
import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../../agent/src/http/app.js'
import type { InferenceService, Served } from '../../../../agent/src/inference/inference-service.js'
import { SSE_HEADERS, sseData, SSE_DONE } from '../../../../agent/src/inference/http-result.js'
import { LmdbResponseStore } from '../../../../agent/src/protocols/responses/response-store.js'
import { StoredResponses } from '../../../../agent/src/protocols/responses/stored-responses.js'

/** What the scripted chat path answers next: text, or one tool call. */
let script: { text?: string; reasoning?: string; call?: { name: string; arguments: string }; breaks?: boolean } = {}
const sent: Record<string, unknown>[] = []

function chatAnswer(body: Record<string, unknown>): Served {
  sent.push(body)
  const base = { id: 'chatcmpl-1', created: 1, model: String(body.model) }
  const chunks: object[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }]
  if (script.reasoning) chunks.push({ ...base, choices: [{ index: 0, delta: { reasoning_content: script.reasoning }, finish_reason: null }] })
  if (script.call) {
    const half = Math.floor(script.call.arguments.length / 2)
    chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: script.call.name, arguments: script.call.arguments.slice(0, half) } }] }, finish_reason: null }] })
    chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: script.call.arguments.slice(half) } }] }, finish_reason: 'tool_calls' }] })
  } else {
    for (const piece of (script.text ?? 'hi').match(/.{1,4}/g) ?? []) chunks.push({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })
    chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })
  }
  // the stream of a serving node that died mid-answer ends with one error event
  if (script.breaks) chunks.splice(2, chunks.length, { error: { message: 'The stream from the node serving this model broke', type: 'server_error', param: null, code: 'stream_failed' } })
  else chunks.push({ ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 } })
  return {
    result: { status: 200, headers: { ...SSE_HEADERS }, body: (async function* () { for (const c of chunks) yield sseData(c); yield SSE_DONE })() },
    route: { servedBy: 'scripted', route: 'local', reason: 'test', hops: 0 },
    model: String(body.model),
    stream: true
  }
}

let app: FastifyInstance
let dir: string
let store: LmdbResponseStore
let url: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmlb-resp-route-'))
  store = new LmdbResponseStore(join(dir, 'responses'))
  await store.start()
  const service = { handle: async (_api: string, body: Record<string, unknown>) => chatAnswer(body) } as unknown as InferenceService
  app = await buildApp({
    logger: pino({ level: 'silent' }),
    name: 'n',
    startedAt: Date.now(),
    bodyLimitBytes: 1 << 20,
    service,
    models: () => [],
    runtimeUp: () => true,
    selfState: () => ({}) as never,
    responses: new StoredResponses({ store, peerId: () => '12D3KooWTest' })
  })
  url = await app.listen({ port: 0, host: '127.0.0.1' })
})
afterAll(async () => {
  await app.close()
  await store.stop()
  await rm(dir, { recursive: true, force: true })
})

const tools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true }]

describe('/v1/responses over a scripted chat path', () => {
  it('openai client: a forced function call maps to chat tools and comes back as a function_call item', async () => {
    script = { call: { name: 'get_weather', arguments: '{"city":"Paris"}' } }
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 })
    const r = await client.responses.create({ model: 'm', input: 'Weather?', tools, tool_choice: { type: 'function', name: 'get_weather' }, parallel_tool_calls: false })
    expect(sent.at(-1)).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', strict: true } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      stream: true
    })
    expect(r.output).toEqual([{ type: 'function_call', id: expect.stringMatching(/^fc_/), call_id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' }])
    expect(r.usage).toMatchObject({ input_tokens: 11, output_tokens: 5, total_tokens: 16 })

    const stream = await client.responses.create({ model: 'm', input: 'Weather?', tools, tool_choice: 'required', stream: true })
    const events = []
    for await (const e of stream) events.push(e)
    // the event order itself is the builder's (response-builder.spec.ts); here: the client reads it whole
    expect(events.at(-1)?.type).toBe('response.completed')
    const done = events.find((e) => e.type === 'response.function_call_arguments.done')
    expect(done?.type === 'response.function_call_arguments.done' && [done.name, done.arguments]).toEqual(['get_weather', '{"city":"Paris"}'])
    expect(events.filter((e) => e.type === 'response.function_call_arguments.delta')).toHaveLength(2)

    // the tool's output, continuing the stored response: the chat path gets the whole exchange
    script = { text: 'It is sunny.' }
    const next = await client.responses.create({ model: 'm', previous_response_id: r.id, input: [{ type: 'function_call_output', call_id: 'call_abc', output: '{"sky":"clear"}' }] })
    expect(next.output_text).toBe('It is sunny.')
    expect((sent.at(-1) as { messages: unknown[] }).messages).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"sky":"clear"}' }
    ])
  })

  it("a model's thinking segment comes back as a reasoning item the openai client reads", async () => {
    script = { reasoning: 'Thinking it over.', text: 'Done.' }
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 })
    const r = await client.responses.create({ model: 'm', input: 'Think first' })
    expect(r.output[0]).toMatchObject({ type: 'reasoning', content: [{ type: 'reasoning_text', text: 'Thinking it over.' }] })
    expect(r.output_text).toBe('Done.')
    const types: string[] = []
    for await (const e of await client.responses.create({ model: 'm', input: 'Think first', stream: true })) types.push(e.type)
    expect(types).toContain('response.reasoning_text.delta')
  })

  it('generation that breaks mid-stream ends with response.failed (stream) or a 502 (JSON); the failed response is stored', async () => {
    script = { text: 'partial answer here', breaks: true }
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 })
    const events = []
    for await (const e of await client.responses.create({ model: 'm', input: 'x', stream: true })) events.push(e)
    const last = events.at(-1)
    expect(last?.type).toBe('response.failed')
    const failed = last?.type === 'response.failed' ? last.response : undefined
    expect(failed?.status).toBe('failed')
    expect(failed?.error).toEqual({ code: 'server_error', message: 'The stream from the node serving this model broke' })
    expect(events.map((e) => e.type)).toContain('response.output_item.done')
    expect((await client.responses.retrieve(failed?.id ?? '')).status).toBe('failed')
    await expect(client.responses.create({ model: 'm', input: 'x' })).rejects.toMatchObject({ status: 502, code: 'stream_failed' })
    script = {}
  })

  it('item_reference inputs are replaced by the stored output items they name; an unknown one is a 400', async () => {
    script = { text: 'first answer' }
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 })
    const first = await client.responses.create({ model: 'm', input: 'first question' })
    const msgId = first.output[0]?.id ?? ''
    script = { text: 'second answer' }
    await client.responses.create({ model: 'm', input: [{ role: 'user', content: 'first question' }, { type: 'item_reference', id: msgId }, { role: 'user', content: 'second question' }] })
    expect((sent.at(-1) as { messages: unknown[] }).messages).toEqual([
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second question' }
    ])
    await expect(client.responses.create({ model: 'm', input: [{ type: 'item_reference', id: 'msg_unknown' }] })).rejects.toMatchObject({ status: 400, param: 'input[0].id' })
  })

  it("AI SDK: toolChoice 'required' and generateObject (text.format json_schema → response_format)", async () => {
    const openai = createOpenAI({ baseURL: `${url}/v1`, apiKey: 'x' })
    script = { call: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }
    const r = await generateText({
      model: openai('m'),
      prompt: 'Weather in Oslo?',
      tools: { get_weather: tool({ inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }) }) },
      toolChoice: 'required',
      maxRetries: 0
    })
    expect(sent.at(-1)).toMatchObject({ tool_choice: 'required' })
    expect(r.toolCalls[0]).toMatchObject({ toolName: 'get_weather', input: { city: 'Oslo' } })

    script = { text: '{"city":"Oslo","population":700000}' }
    const schema = z.object({ city: z.string(), population: z.number().int() })
    const o = await generateObject({ model: openai('m'), schema, prompt: 'A city', maxRetries: 0 })
    expect(o.object).toEqual({ city: 'Oslo', population: 700000 })
    const format = (sent.at(-1) as { response_format: { type: string; json_schema: { schema: { properties: object } } } }).response_format
    expect(format.type).toBe('json_schema')
    expect(Object.keys(format.json_schema.schema.properties)).toEqual(['city', 'population'])
  })
})
