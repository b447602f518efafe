/**
 * Agent frameworks on the Responses API, unmodified, against a node that does not hold the model (it
 * is on the other node of a 2-node cluster): the Vercel AI SDK's default OpenAI provider
 * (`@ai-sdk/openai` 3 uses /v1/responses) with `ai` 6, LangChain's ChatOpenAI with
 * `useResponsesApi`, and a function call forced through `tool_choice` with the openai client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { createOpenAI } from '@ai-sdk/openai'
import { generateObject, generateText, streamText, tool } from 'ai'
import { ChatOpenAI } from '@langchain/openai'
import { z } from 'zod'
import { meshAddress, modelIdsOf, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'

const MODEL = 'fw-model'
let n1: RunningAgent
let n2: RunningAgent

beforeAll(async () => {
  const key = 'e5'.repeat(32)
  // the hermes template's tool prompt needs more than the default context
  n1 = await startAgent({ name: 'f1', models: [await tinyModel(MODEL, { template: 'hermes', ctx: 4096 })], clusterKey: key, args: ['--ctx-size', '4096'] })
  n2 = await startAgent({ name: 'f2', clusterKey: key, peers: [await meshAddress(n1)] })
  await waitFor(async () => (await modelIdsOf(n2)).includes(MODEL), `f2 to see ${MODEL}`, 20_000)
})
afterAll(stopAllAgents)

interface HistoryRow {
  api: string
  servedBy: string | null
  outputTokens: number
  status: number
}

/** The newest history records of the ingress node f2. */
async function recentHistory(n: number): Promise<HistoryRow[]> {
  return ((await (await fetch(`${n2.url}/api/history?limit=${n}`)).json()) as { data: HistoryRow[] }).data
}

const sdk = () => createOpenAI({ baseURL: `${n2.url}/v1`, apiKey: 'unused' })
// bounded schemas: gibberish weights under a grammar must still reach the end of the object
// no unbounded integer either: random weights can write digits until max_output_tokens, and the round
// trip then overflows the context
const Weather = z.object({ city: z.enum(['Paris', 'Tokyo']), metric: z.boolean() })
// no free-form string: this file tests the translation, and gibberish byte tokens can decode to more
// characters than a string grammar counted (the chat path's concern, specs/tools.md)
const Answer = z.object({ ok: z.boolean(), level: z.enum(['low', 'high']), count: z.number().int() })
const WEATHER_PARAMS = z.toJSONSchema(Weather) as Record<string, unknown>

describe('Vercel AI SDK (@ai-sdk/openai default provider → /v1/responses)', () => {
  it('generateText', async () => {
    // greedy: sampled gibberish tokens can all be lone UTF-8 bytes that decode to no text at all
    const r = await generateText({ model: sdk()(MODEL), prompt: 'Say hello', maxOutputTokens: 8, temperature: 0, maxRetries: 0 })
    expect(r.text.length, JSON.stringify(r.response.body)).toBeGreaterThan(0)
    expect(r.usage.outputTokens).toBeGreaterThan(0)
    expect(r.response.id).toMatch(/^resp_/)
    const [rec] = await recentHistory(1)
    expect(rec).toMatchObject({ api: 'responses', servedBy: 'f1', status: 200, outputTokens: r.usage.outputTokens })
  })

  it("a second turn with the first turn's messages (the provider sends the stored answer as an item_reference)", async () => {
    const first = await generateText({ model: sdk()(MODEL), prompt: 'Say hello', maxOutputTokens: 6, temperature: 0, maxRetries: 0 })
    expect(first.text.length, JSON.stringify(first.response.body)).toBeGreaterThan(0)
    const second = await generateText({ model: sdk()(MODEL), messages: [{ role: 'user', content: 'Say hello' }, ...first.response.messages, { role: 'user', content: 'Again' }], maxOutputTokens: 6, maxRetries: 0 })
    const sentInput = (second.request.body as { input: { type?: string }[] }).input
    expect(sentInput.some((i) => i.type === 'item_reference')).toBe(true)
    expect(second.usage.inputTokens).toBeGreaterThan((first.usage.inputTokens ?? 0) + (first.usage.outputTokens ?? 0))
  })

  it('streamText', async () => {
    const r = streamText({ model: sdk()(MODEL), system: 'be brief', prompt: 'Count to three', maxOutputTokens: 10, maxRetries: 0 })
    let text = ''
    for await (const piece of r.textStream) text += piece
    expect(text.length).toBeGreaterThan(0)
    expect(await r.text).toBe(text)
    expect((await r.usage).outputTokens).toBeGreaterThan(0)
  })

  it('generateObject with a zod schema (json_schema enforced by the chat path)', async () => {
    const r = await generateObject({ model: sdk()(MODEL), schema: Answer, prompt: 'Answer in JSON', maxOutputTokens: 200, maxRetries: 0 })
    expect(Answer.safeParse(r.object).success).toBe(true)
    expect(r.response.id).toMatch(/^resp_/)
  })

  it("a tool call with toolChoice: 'required'", async () => {
    const r = await generateText({
      model: sdk()(MODEL),
      prompt: 'What is the weather in Paris?',
      tools: { get_weather: tool({ description: 'Weather of a city', inputSchema: Weather }) },
      toolChoice: 'required',
      maxOutputTokens: 2000,
      maxRetries: 0
    })
    expect(r.finishReason).toBe('tool-calls')
    expect(r.toolCalls[0]?.toolName).toBe('get_weather')
    expect(Weather.safeParse(r.toolCalls[0]?.input).success).toBe(true)
  })
})

describe('LangChain ChatOpenAI with useResponsesApi', () => {
  // ignore_eos (llmlb's extension, as on chat): gibberish weights may otherwise end at the first token
  const chat = () => new ChatOpenAI({ model: MODEL, apiKey: 'unused', useResponsesApi: true, maxTokens: 8, maxRetries: 0, modelKwargs: { ignore_eos: true }, configuration: { baseURL: `${n2.url}/v1` } })

  it('invoke', async () => {
    const msg = await chat().invoke([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello' }])
    expect(typeof msg.content === 'string' ? msg.content : msg.text).toBeTruthy()
    expect(msg.usage_metadata?.output_tokens).toBeGreaterThan(0)
    expect(msg.id ?? msg.response_metadata.id).toMatch(/resp_|msg_/)
  })

  it('stream', async () => {
    let text = ''
    let outputTokens = 0
    for await (const c of await chat().stream('tell me something')) {
      text += c.text
      outputTokens += c.usage_metadata?.output_tokens ?? 0
    }
    expect(text.length).toBeGreaterThan(0)
    expect(outputTokens).toBe(8)
  })
})

describe('openai client: a function call through Responses', () => {
  it('a forced tool_choice gives a function_call item with JSON arguments; its output continues the conversation', async () => {
    const client = new OpenAI({ baseURL: `${n2.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const tools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', name: 'get_weather', description: 'Weather of a city', parameters: WEATHER_PARAMS, strict: true }]
    const r = await client.responses.create({ model: MODEL, input: 'Weather in Paris?', tools, tool_choice: { type: 'function', name: 'get_weather' }, max_output_tokens: 2000 })
    const call = r.output.find((o) => o.type === 'function_call')
    expect(call?.type === 'function_call' && call.name).toBe('get_weather')
    expect(call?.type === 'function_call' && call.call_id).toBeTruthy()
    expect(Weather.safeParse(call?.type === 'function_call' ? JSON.parse(call.arguments) : null).success).toBe(true)

    // streamed: the same call as events
    const stream = await client.responses.create({ model: MODEL, input: 'Weather in Tokyo?', tools, tool_choice: 'required', max_output_tokens: 2000, stream: true })
    const types: string[] = []
    let argsDone = ''
    for await (const e of stream) {
      types.push(e.type)
      if (e.type === 'response.function_call_arguments.done') argsDone = e.arguments
    }
    expect(types).toContain('response.function_call_arguments.delta')
    expect(Weather.safeParse(JSON.parse(argsDone)).success).toBe(true)

    // round trip: the call's output continues from the stored response
    const callId = call?.type === 'function_call' ? call.call_id : ''
    const next = await client.responses.create({ model: MODEL, previous_response_id: r.id, input: [{ type: 'function_call_output', call_id: callId, output: '{"temp_c":21}' }], tools, max_output_tokens: 5 })
    expect(next.status).not.toBe('failed')
    expect(next.usage?.input_tokens).toBeGreaterThan(r.usage?.input_tokens ?? 0)
  })
})
