/**
 * Tools and structured output through the Vercel AI SDK (`@ai-sdk/openai-compatible` with `ai@6`) and
 * LangChain (`@langchain/openai`), against the 3-node cluster (client on n3, model on n1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { generateObject, generateText, streamText, tool } from 'ai'
import { ChatOpenAI } from '@langchain/openai'
import { z } from 'zod'
import { stopAllAgents, type RunningAgent } from '../../helpers/agent-process.js'
import { historyOf, startToolsCluster, TOOLS_MODEL } from './tools-cluster.js'

let n3: RunningAgent
/** Request ids the node gave the SDKs' requests (read from responses), checked against history. */
const ids: string[] = []
const Weather = z.object({ city: z.enum(['Paris', 'Tokyo']), days: z.number().int(), metric: z.boolean() })
const Answer = z.object({ ok: z.boolean(), level: z.enum(['low', 'high']), tag: z.enum(['x', 'y', 'z']) })

/** fetch that records each answer's x-request-id. */
const recordingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init)
  const id = res.headers.get('x-request-id')
  if (id) ids.push(id)
  return res
}

beforeAll(async () => {
  ;({ n3 } = await startToolsCluster('d4'.repeat(32)))
})
afterAll(stopAllAgents)

describe('Vercel AI SDK (openai-compatible provider)', () => {
  const provider = (): ReturnType<typeof createOpenAICompatible> =>
    createOpenAICompatible({ name: 'llmlb', baseURL: `${n3.url}/v1`, apiKey: 'x', supportsStructuredOutputs: true, fetch: recordingFetch })

  it('generateObject with a zod schema returns an object that matches it', async () => {
    const { object } = await generateObject({ model: provider().chatModel(TOOLS_MODEL), schema: Answer, prompt: 'Answer in JSON', maxOutputTokens: 200 })
    expect(Answer.safeParse(object).success).toBe(true)
  })

  it("a tool call with toolChoice: 'required'", async () => {
    const r = await generateText({
      model: provider().chatModel(TOOLS_MODEL),
      tools: { get_weather: tool({ description: 'Weather of a city', inputSchema: Weather }) },
      toolChoice: 'required',
      prompt: 'Weather in Paris?',
      maxOutputTokens: 2000
    })
    expect(r.finishReason).toBe('tool-calls')
    expect(r.toolCalls.length).toBeGreaterThan(0)
    expect(r.toolCalls[0]?.toolName).toBe('get_weather')
    expect(Weather.safeParse(r.toolCalls[0]?.input).success).toBe(true)
  })
})

describe('Vercel AI SDK, streamed', () => {
  it('streamText with a forced tool assembles the call from delta.tool_calls', async () => {
    const provider = createOpenAICompatible({ name: 'llmlb', baseURL: `${n3.url}/v1`, apiKey: 'x', fetch: recordingFetch })
    const r = streamText({
      model: provider.chatModel(TOOLS_MODEL),
      tools: { get_weather: tool({ description: 'Weather of a city', inputSchema: Weather }) },
      toolChoice: { type: 'tool', toolName: 'get_weather' },
      prompt: 'Weather in Tokyo?',
      maxOutputTokens: 2000
    })
    const calls = await r.toolCalls
    expect(await r.finishReason).toBe('tool-calls')
    expect(calls.length).toBeGreaterThan(0)
    expect(Weather.safeParse(calls[0]?.input).success).toBe(true)
  })
})

describe('LangChain ChatOpenAI', () => {
  const chat = (): ChatOpenAI => new ChatOpenAI({ model: TOOLS_MODEL, apiKey: 'x', maxTokens: 300, maxRetries: 0, configuration: { baseURL: `${n3.url}/v1`, fetch: recordingFetch } })

  it('bindTools with a forced tool gives a tool call with parsed args', async () => {
    const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather of a city', parameters: z.toJSONSchema(Weather) } }
    const msg = await chat().bindTools([weather], { tool_choice: 'get_weather', parallel_tool_calls: false }).invoke('Weather in Tokyo?')
    expect(msg.tool_calls).toHaveLength(1)
    expect(msg.tool_calls?.[0]?.name).toBe('get_weather')
    expect(Weather.safeParse(msg.tool_calls?.[0]?.args).success).toBe(true)
  })

  it('withStructuredOutput (json schema and function calling) returns a parsed object', async () => {
    for (const method of ['jsonSchema', 'functionCalling'] as const) {
      const out = await chat().withStructuredOutput(Answer, { name: 'answer', method }).invoke('Answer in JSON')
      expect(Answer.safeParse(out).success, method).toBe(true)
    }
  })
})

describe('history', () => {
  it('records every SDK request at the ingress, with tokens and the serving node', async () => {
    expect(ids.length).toBeGreaterThanOrEqual(5)
    for (const id of ids) {
      const r = await historyOf(n3, id)
      expect(r.outcome, id).toBe('success')
      expect(r.servedBy, id).toBe('n1')
      expect(r.inputTokens, id).toBeGreaterThan(0)
      expect(r.outputTokens, id).toBeGreaterThan(0)
    }
  })
})
