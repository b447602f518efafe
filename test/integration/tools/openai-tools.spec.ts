/**
 * Function calling, structured outputs, logprobs, `n` and embeddings `dimensions` through the official
 * openai client, on a 3-node cluster where the model is served by another node than the one the client
 * talks to (n3 → n1). Every request is then looked up in the ingress node's history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { zodResponseFormat } from 'openai/helpers/zod'
import { z } from 'zod'
import { stopAllAgents, type RunningAgent } from '../../helpers/agent-process.js'
import { EMBED_MODEL, historyOf, PLAIN_MODEL, startToolsCluster, TOOLS_MODEL } from './tools-cluster.js'

let n3: RunningAgent
let client: OpenAI
/** Request ids of successful requests, checked against history at the end. */
const seen: string[] = []

const weather: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', enum: ['Paris', 'Tokyo'] }, days: { type: 'integer' }, metric: { type: 'boolean' } },
      required: ['city', 'days', 'metric'],
      additionalProperties: false
    }
  }
}
const clock: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string', maxLength: 6 } }, required: ['zone'] } }
}
const WeatherArgs = z.object({ city: z.enum(['Paris', 'Tokyo']), days: z.number().int(), metric: z.boolean() }).strict()
const user = (content: string): OpenAI.Chat.ChatCompletionMessageParam[] => [{ role: 'user', content }]
const remember = (r: { headers: Headers }): void => void seen.push(r.headers.get('x-request-id') as string)

beforeAll(async () => {
  ;({ n3 } = await startToolsCluster('c3'.repeat(32)))
  client = new OpenAI({ baseURL: `${n3.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 120_000 })
})
afterAll(stopAllAgents)

describe('tools through the mesh (openai client)', () => {
  it('advertises the tools capability only for the model whose template has tools', async () => {
    const list = (await client.models.list()).data as unknown as { id: string; llmlb: { capabilities: { tools: boolean } } }[]
    expect(list.find((m) => m.id === TOOLS_MODEL)?.llmlb.capabilities.tools).toBe(true)
    expect(list.find((m) => m.id === PLAIN_MODEL)?.llmlb.capabilities.tools).toBe(false)
  })

  it('tool_choice required → a valid call whose arguments match the schema (non-stream, forwarded)', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: TOOLS_MODEL, messages: user('Weather in Paris?'), tools: [weather, clock], tool_choice: 'required', max_tokens: 2000 })
      .withResponse()
    remember(response)
    expect(response.headers.get('x-llmlb-served-by')).toBe('n1')
    const c = data.choices[0] as OpenAI.Chat.ChatCompletion.Choice
    expect(c.finish_reason).toBe('tool_calls')
    const calls = c.message.tool_calls ?? []
    expect(calls.length).toBeGreaterThan(0)
    for (const call of calls) {
      if (call.type !== 'function') throw new Error('not a function call')
      expect(call.id).toMatch(/^call_/)
      expect(['get_weather', 'get_time']).toContain(call.function.name)
      const args = JSON.parse(call.function.arguments) as unknown
      if (call.function.name === 'get_weather') expect(WeatherArgs.safeParse(args).success).toBe(true)
      else expect(typeof (args as { zone: unknown }).zone).toBe('string')
    }
  })

  it('a named tool_choice streams delta.tool_calls with index, id and JSON arguments', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: TOOLS_MODEL, messages: user('Weather?'), tools: [weather, clock], tool_choice: { type: 'function', function: { name: 'get_weather' } }, parallel_tool_calls: false, stream: true, max_tokens: 300 })
      .withResponse()
    remember(response)
    const calls: { id: string; name: string; args: string }[] = []
    let finish: string | null = null
    for await (const chunk of stream) {
      for (const ch of chunk.choices) {
        for (const t of ch.delta.tool_calls ?? []) {
          const call = (calls[t.index] ??= { id: '', name: '', args: '' })
          call.id ||= t.id ?? ''
          call.name += t.function?.name ?? ''
          call.args += t.function?.arguments ?? ''
        }
        finish = ch.finish_reason ?? finish
      }
    }
    expect(finish).toBe('tool_calls')
    expect(calls).toHaveLength(1)
    expect(calls[0]?.name).toBe('get_weather')
    expect(calls[0]?.id).toMatch(/^call_/)
    expect(WeatherArgs.safeParse(JSON.parse(calls[0]?.args ?? '')).success).toBe(true)
  })

  it('a full round trip: the assistant call and the tool result go back in, an answer comes out', async () => {
    const first = await client.chat.completions.create({ model: TOOLS_MODEL, messages: user('Weather in Tokyo?'), tools: [weather], tool_choice: 'required', max_tokens: 300 })
    const msg = first.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage
    const call = msg.tool_calls?.[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall
    const { data, response } = await client.chat.completions
      .create({
        model: TOOLS_MODEL,
        messages: [...user('Weather in Tokyo?'), msg, { role: 'tool', tool_call_id: call.id, content: '{"temp": 21}' }],
        tools: [weather],
        max_tokens: 8
      })
      .withResponse()
    remember(response)
    expect(data.choices[0]?.message.role).toBe('assistant')
    expect(typeof data.choices[0]?.message.content).toBe('string')
    expect(data.usage?.prompt_tokens).toBeGreaterThan((first.usage?.prompt_tokens ?? 0) + 10)
  })

  it('chat.completions.parse with a zod schema (zodResponseFormat) returns a parsed object', async () => {
    const Answer = z.object({ ok: z.boolean(), level: z.enum(['low', 'high']), count: z.number().int(), tag: z.enum(['x', 'y', 'z']) })
    const { data, response } = await client.chat.completions
      .parse({ model: TOOLS_MODEL, messages: user('Answer in JSON'), response_format: zodResponseFormat(Answer, 'answer'), max_tokens: 200 })
      .withResponse()
    remember(response)
    const parsed = data.choices[0]?.message.parsed
    expect(Answer.safeParse(parsed).success).toBe(true)
  })

  it('json_object answers a JSON object', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: PLAIN_MODEL, messages: user('JSON please'), response_format: { type: 'json_object' }, max_tokens: 400, temperature: 0 })
      .withResponse()
    remember(response)
    expect(response.headers.get('x-llmlb-served-by')).toBe('n2')
    const c = data.choices[0]
    if (c?.finish_reason === 'stop') expect(typeof JSON.parse(c.message.content ?? '')).toBe('object')
    else expect(c?.message.content?.startsWith('{')).toBe(true)
  })

  it('a structured answer ends when its structure is complete, even with ignore_eos and no max_tokens', async () => {
    // the grammar allows only the end token once the object is closed; ignore_eos used to skip it forever
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false }
    const { data, response } = await client.chat.completions
      .create({ model: PLAIN_MODEL, messages: user('ok?'), response_format: { type: 'json_schema', json_schema: { name: 'ok', schema, strict: true } }, temperature: 0, ignore_eos: true } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .withResponse()
    remember(response)
    const c = data.choices[0]
    expect(c?.finish_reason).toBe('stop')
    expect(typeof (JSON.parse(c?.message.content ?? '') as { ok: unknown }).ok).toBe('boolean')
  })

  it('logprobs with top_logprobs: one entry per generated token, real values', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: TOOLS_MODEL, messages: user('hi'), logprobs: true, top_logprobs: 3, max_tokens: 6, ignore_eos: true } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .withResponse()
    remember(response)
    const lp = data.choices[0]?.logprobs?.content ?? []
    // the random model samples end tokens now and then: ignore_eos skips them, the answer is still 6 tokens
    expect(lp).toHaveLength(6)
    expect(data.usage?.completion_tokens).toBe(6)
    for (const t of lp) {
      expect(t.logprob).toBeLessThanOrEqual(0)
      expect(t.top_logprobs).toHaveLength(3)
      expect(t.top_logprobs[0]?.logprob ?? -Infinity).toBeGreaterThanOrEqual(t.top_logprobs[2]?.logprob ?? 0)
    }
  })

  it('completions logprobs use the legacy shape', async () => {
    const { data, response } = await client.completions
      .create({ model: TOOLS_MODEL, prompt: 'hello', logprobs: 2, max_tokens: 4, ignore_eos: true } as OpenAI.CompletionCreateParamsNonStreaming)
      .withResponse()
    remember(response)
    const lp = data.choices[0]?.logprobs
    expect(lp?.tokens).toHaveLength(4)
    expect(lp?.token_logprobs?.every((x) => x <= 0)).toBe(true)
    expect(Object.keys(lp?.top_logprobs?.[0] ?? {}).length).toBeGreaterThan(0)
  })

  it('n: 2 gives two choices with summed usage, non-stream and stream', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: TOOLS_MODEL, messages: user('hi'), n: 2, max_tokens: 5, ignore_eos: true, seed: 7 } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .withResponse()
    remember(response)
    expect(data.choices.map((c) => c.index)).toEqual([0, 1])
    expect(data.usage?.completion_tokens).toBe(10)
    // with a seed, choice i samples with seed + i: two different answers, not one twice
    expect(data.choices[0]?.message.content).not.toBe(data.choices[1]?.message.content)
    const { data: stream, response: r2 } = await client.chat.completions
      .create({ model: TOOLS_MODEL, messages: user('hi'), n: 2, max_tokens: 4, ignore_eos: true, stream: true, stream_options: { include_usage: true } } as OpenAI.Chat.ChatCompletionCreateParamsStreaming)
      .withResponse()
    remember(r2)
    const finished = new Set<number>()
    let usage: OpenAI.CompletionUsage | undefined
    for await (const chunk of stream) {
      for (const ch of chunk.choices) if (ch.finish_reason) finished.add(ch.index)
      usage = chunk.usage ?? usage
    }
    expect([...finished].sort()).toEqual([0, 1])
    expect(usage?.completion_tokens).toBe(8)
  })

  it('embeddings dimensions: shortened and unit length for a Matryoshka model, 400 otherwise', async () => {
    const { data, response } = await client.embeddings.create({ model: EMBED_MODEL, input: ['hello world', 'mesh'], dimensions: 16 }).withResponse()
    remember(response)
    for (const d of data.data) {
      expect(d.embedding).toHaveLength(16)
      expect(Math.hypot(...d.embedding)).toBeCloseTo(1, 5)
    }
    const bad = await client.embeddings.create({ model: PLAIN_MODEL, input: 'x', dimensions: 16 }).catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError)
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('dimensions')
  })

  it('bad input: unknown tool, malformed schema, inexpressible keyword, tools on a model without them', async () => {
    const fail = async (body: Record<string, unknown>): Promise<InstanceType<typeof OpenAI.APIError>> =>
      (await client.chat.completions.create({ model: TOOLS_MODEL, messages: user('x'), max_tokens: 4, ...body } as never).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>
    const unknownTool = await fail({ tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } })
    expect(unknownTool.status).toBe(400)
    expect(unknownTool.param).toBe('tool_choice')
    expect(unknownTool.message).toContain('nope')
    const malformed = await fail({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'strnig' } } } } } })
    expect(malformed.status).toBe(400)
    expect(malformed.message).toContain('Malformed JSON schema')
    const pattern = await fail({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'string', pattern: '^a+$' } } } } } })
    expect(pattern.status).toBe(400)
    expect(pattern.message).toContain("'pattern'")
    const noTools = await fail({ model: PLAIN_MODEL, tools: [weather] })
    expect(noTools.status).toBe(400)
    expect(noTools.message).toContain('tools')
    expect(noTools.message).toContain(TOOLS_MODEL)
    // the node keeps working
    const ok = await client.chat.completions.create({ model: TOOLS_MODEL, messages: user('x'), max_tokens: 2 })
    expect(ok.choices).toHaveLength(1)
  })

  it('every request is in the ingress history with tokens and the node that served it', async () => {
    expect(seen.length).toBeGreaterThanOrEqual(10)
    for (const id of seen) {
      const r = await historyOf(n3, id)
      expect(r.outcome, id).toBe('success')
      expect(r.inputTokens, id).toBeGreaterThan(0)
      expect(['n1', 'n2']).toContain(r.servedBy)
    }
  })
})
