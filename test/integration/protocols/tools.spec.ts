/**
 * Tools and structured output through the translators, on a 3-node cluster whose tool-capable model
 * (the tiny GGUF with a Hermes-style template, grammar-constrained calls) lives on another node than
 * the one the clients talk to: the Anthropic SDK's forced tool and tool_result round trip, the ollama
 * client's `format: "json"` and forced tool call, and their history records.
 */
import Anthropic from '@anthropic-ai/sdk'
import { Ollama } from 'ollama'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stopAllAgents } from '../../helpers/agent-process.js'
import { historyOf, startProtocolCluster, type ProtocolCluster } from './cluster-fixture.js'

let c: ProtocolCluster
let anthropic: Anthropic
let ollama: Ollama

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather of a city',
  input_schema: { type: 'object', properties: { city: { type: 'string', enum: ['Paris', 'Tokyo'] }, days: { type: 'integer' } }, required: ['city', 'days'] }
}

beforeAll(async () => {
  c = await startProtocolCluster('d4'.repeat(32), 'tools-p', { template: 'hermes', ctx: 4096 }, ['--ctx-size', '4096'])
  anthropic = new Anthropic({ apiKey: c.key, baseURL: c.ingress.url, maxRetries: 0, timeout: 120_000 })
  ollama = new Ollama({ host: c.ingress.url, headers: { authorization: `Bearer ${c.key}` } })
})
afterAll(stopAllAgents)

describe('tools through the Anthropic and Ollama translators', () => {
  it('a forced tool (tool_choice: tool) returns a tool_use block with valid JSON input', async () => {
    const msg = await anthropic.messages.create({
      model: c.model,
      max_tokens: 200,
      tools: [weatherTool],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [{ role: 'user', content: 'Weather in Paris for 2 days?' }]
    })
    expect(msg.stop_reason).toBe('tool_use')
    const use = msg.content.find((b) => b.type === 'tool_use')
    expect(use?.type === 'tool_use' && use.name).toBe('get_weather')
    const input = (use?.type === 'tool_use' ? use.input : {}) as { city?: unknown; days?: unknown }
    expect(['Paris', 'Tokyo']).toContain(input.city)
    expect(Number.isInteger(input.days)).toBe(true)
  })

  it('a streamed forced tool sends input_json_delta events that assemble the input', async () => {
    const stream = anthropic.messages.stream({ model: c.model, max_tokens: 200, tools: [weatherTool], tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'Weather?' }] })
    // one block per call (parallel calls allowed): the fragments of each block assemble its input
    const partial = new Map<number, string>()
    for await (const ev of stream) if (ev.type === 'content_block_delta' && ev.delta.type === 'input_json_delta') partial.set(ev.index, (partial.get(ev.index) ?? '') + ev.delta.partial_json)
    const final = await stream.finalMessage()
    const uses = final.content.flatMap((b, i) => (b.type === 'tool_use' ? [{ b, i }] : []))
    expect(uses.length).toBeGreaterThan(0)
    for (const { b, i } of uses) expect(b.input).toEqual(JSON.parse(partial.get(i) ?? ''))
    expect(final.stop_reason).toBe('tool_use')
  })

  it('a tool_result round trip: the conversation with the call and its result is answered', async () => {
    const first = await anthropic.messages.create({ model: c.model, max_tokens: 200, tools: [weatherTool], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'Weather in Tokyo?' }] })
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')
    expect(use).toBeDefined()
    const second = await anthropic.messages.create({
      model: c.model,
      max_tokens: 8,
      tools: [weatherTool],
      tool_choice: { type: 'none' },
      messages: [
        { role: 'user', content: 'Weather in Tokyo?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use?.id ?? '', content: 'Sunny, 21 C' }] }
      ]
    })
    expect(second.type).toBe('message')
    expect(second.content.every((b) => b.type === 'text')).toBe(true)
    const counted = await anthropic.messages.countTokens({ model: c.model, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Tokyo?' }] })
    const plain = await anthropic.messages.countTokens({ model: c.model, messages: [{ role: 'user', content: 'Weather in Tokyo?' }] })
    // the tools are part of the prompt; the call and its result are too (tool_choice none leaves the tools out)
    expect(counted.input_tokens).toBeGreaterThan(plain.input_tokens)
    expect(counted.input_tokens).toBe(first.usage.input_tokens)
    expect(second.usage.input_tokens).toBeGreaterThan(plain.input_tokens + 10)
  })

  it('ollama format "json" gives an answer that parses, streamed or not', async () => {
    // greedy, with room to finish: the grammar closes the object before the limit
    const one = await ollama.chat({ model: c.model, format: 'json', stream: false, messages: [{ role: 'user', content: 'A JSON object please' }], options: { num_predict: 400, temperature: 0 } })
    expect(one.done_reason).toBe('stop')
    expect(typeof JSON.parse(one.message.content)).toBe('object')
    const gen = await ollama.generate({ model: c.model, format: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] }, prompt: 'ok?', stream: true, options: { num_predict: 64, temperature: 0 } })
    let text = ''
    for await (const p of gen) text += p.response
    expect(typeof (JSON.parse(text) as { ok: unknown }).ok).toBe('boolean')
  })

  it('ollama tools: a call comes back whole, arguments as an object', async () => {
    const r = await ollama.chat({
      model: c.model,
      stream: false,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string', enum: ['Paris'] } }, required: ['city'] } } }],
      options: { num_predict: 200 }
    })
    // the model may answer in text (tool_choice auto): when it calls, the call is well formed
    for (const call of r.message.tool_calls ?? []) {
      expect(call.function.name).toBe('get_weather')
      expect(call.function.arguments).toEqual({ city: 'Paris' })
    }
    expect(r.done).toBe(true)
    expect((r.message.tool_calls?.length ?? 0) + r.message.content.length).toBeGreaterThan(0)
  })

  it('the tool requests are in history with their API, tokens and the serving node', async () => {
    const a = (await historyOf(c, 'anthropic')).filter((r) => r.status === 200)
    const o = (await historyOf(c, 'ollama')).filter((r) => r.status === 200)
    expect(a.length).toBeGreaterThanOrEqual(6)
    expect(o.length).toBeGreaterThanOrEqual(3)
    for (const r of [...a, ...o]) expect(r.servedBy).toBe(c.server.name)
    // generations carry their tokens (token counts charge none)
    const generated = [...a, ...o].filter((r) => r.outputTokens > 0)
    expect(generated.length).toBeGreaterThanOrEqual(7)
    for (const r of generated) expect(r.inputTokens).toBeGreaterThan(0)
  })
})
