/**
 * `reasoning_content`: a conversation whose last assistant message (a prefill the model continues) has
 * opened a thinking segment; a random-weight tiny model never closes it, so all it writes is reasoning.
 * Official openai client, one real agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { startAgent, stopAllAgents, tinyModel } from '../../helpers/agent-process.js'

const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
const thinking: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: '<think>\nThe user greets me' }
]
let client: OpenAI

beforeAll(async () => {
  const agent = await startAgent({ name: 'think', models: [await tinyModel('thinker', { chatTemplate: CHATML, ctx: 1024 })], args: ['--ctx-size', '1024'] })
  client = new OpenAI({ baseURL: `${agent.url}/v1`, apiKey: 'x', maxRetries: 0 })
})
afterAll(stopAllAgents)

describe('reasoning_content', () => {
  it('non-stream: the thinking segment is reasoning_content, not content', async () => {
    const r = await client.chat.completions.create({ model: 'thinker', messages: thinking, max_tokens: 8, ignore_eos: true, reasoning_effort: 'low' } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
    const m = r.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & { reasoning_content?: string }
    expect(m.reasoning_content?.length ?? 0).toBeGreaterThan(0)
    expect(m.content).toBe('')
  })

  it('stream: deltas carry reasoning_content', async () => {
    const stream = await client.chat.completions.create({ model: 'thinker', messages: thinking, max_tokens: 8, ignore_eos: true, stream: true } as OpenAI.Chat.ChatCompletionCreateParamsStreaming)
    let reasoning = ''
    let content = ''
    for await (const c of stream) {
      const d = c.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined
      reasoning += d?.reasoning_content ?? ''
      content += d?.content ?? ''
    }
    expect(reasoning.length).toBeGreaterThan(0)
    expect(content).toBe('')
  })
})
