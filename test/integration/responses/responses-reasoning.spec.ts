/**
 * A thinking segment through the Responses API: the conversation ends with an assistant prefill that
 * opened `<think>` (a random-weight tiny model never closes it), so the chat path answers in
 * `reasoning_content` only, which the Responses API returns as a reasoning item (JSON and stream).
 * Official openai client, one real agent (a model without a chat template: the fallback template).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { startAgent, stopAllAgents, tinyModel } from '../../helpers/agent-process.js'

const input: OpenAI.Responses.ResponseInput = [
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: '<think>\nThe user greets me' }
]
let client: OpenAI

beforeAll(async () => {
  // no chat template: the fallback template continues an assistant prefill too
  const agent = await startAgent({ name: 'think', models: [await tinyModel('thinker', { ctx: 1024 })], args: ['--ctx-size', '1024'] })
  client = new OpenAI({ baseURL: `${agent.url}/v1`, apiKey: 'x', maxRetries: 0 })
})
afterAll(stopAllAgents)

describe('reasoning through /v1/responses', () => {
  it('non-stream: a reasoning item with the thinking text, no message text', async () => {
    const r = await client.responses.create({ model: 'thinker', input, max_output_tokens: 8, ignore_eos: true, reasoning: { effort: 'low' } } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
    const item = r.output[0]
    expect(item?.type).toBe('reasoning')
    const text = item?.type === 'reasoning' ? (item.content?.[0]?.text ?? '') : ''
    expect(text.length).toBeGreaterThan(0)
    expect(r.output_text).toBe('')
    expect(r.reasoning?.effort).toBe('low')
  })

  it('stream: reasoning_text deltas that add up to the item', async () => {
    const stream = await client.responses.create({ model: 'thinker', input, max_output_tokens: 8, ignore_eos: true, stream: true } as OpenAI.Responses.ResponseCreateParamsStreaming)
    let deltas = ''
    let done = ''
    for await (const e of stream) {
      if (e.type === 'response.reasoning_text.delta') deltas += e.delta
      if (e.type === 'response.reasoning_text.done') done = e.text
      expect(e.type).not.toBe('response.output_text.delta')
    }
    expect(deltas.length).toBeGreaterThan(0)
    expect(done).toBe(deltas)
  })
})
