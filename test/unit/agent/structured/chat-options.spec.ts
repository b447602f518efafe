import { describe, expect, it } from 'vitest'
import { chatOptions } from '../../../../agent/src/structured/chat-options.js'
import { ChatCompletionRequestSchema } from '../../../../agent/src/http/schemas/openai.js'
import { shorten } from '../../../../agent/src/inference/embedding-dimensions.js'

const tool = (name: string, parameters?: object): object => ({ type: 'function', function: { name, ...(parameters ? { parameters } : {}) } })
const opts = (extra: object): ReturnType<typeof chatOptions> =>
  chatOptions(ChatCompletionRequestSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'x' }], ...extra }))

describe('chatOptions', () => {
  it('auto by default with tools; none renders no tools', () => {
    expect(opts({ tools: [tool('a')] })).toEqual({ tools: [{ name: 'a' }], toolUse: { mode: 'auto', parallel: true } })
    expect(opts({ tools: [tool('a')], tool_choice: 'none' })).toEqual({})
  })

  it('required forces every tool, a named choice only that one, with grammar-ready schemas', () => {
    const r = opts({ tools: [tool('a', { type: 'object', properties: { x: { type: 'integer' } } }), tool('b')], tool_choice: 'required', parallel_tool_calls: false })
    expect(r.toolUse).toEqual({
      mode: 'required',
      parallel: false,
      allowed: [
        { name: 'a', schema: { type: 'object', properties: { x: { type: 'integer' } } } },
        { name: 'b', schema: { type: 'object', additionalProperties: true } }
      ]
    })
    expect(opts({ tools: [tool('a'), tool('b')], tool_choice: { type: 'function', function: { name: 'b' } } }).toolUse?.allowed?.map((t) => t.name)).toEqual(['b'])
  })

  it('refuses an unknown tool name, tool_choice without tools, top_logprobs without logprobs', () => {
    expect(() => opts({ tools: [tool('a')], tool_choice: { type: 'function', function: { name: 'zz' } } })).toThrow(/'zz'/)
    expect(() => opts({ tool_choice: 'required' })).toThrow(/needs 'tools'/)
    expect(() => opts({ top_logprobs: 2 })).toThrow(/logprobs/)
    expect(() => opts({ tools: [tool('a', { type: 'object', properties: { s: { type: 'string', pattern: 'x' } } })], tool_choice: 'required' })).toThrow(/pattern/)
  })

  it('response_format and logprobs', () => {
    expect(opts({ response_format: { type: 'json_object' } }).jsonSchema).toEqual({ type: 'object', additionalProperties: true })
    expect(opts({ response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'boolean' } } } }).jsonSchema).toEqual({ type: 'boolean' })
    expect(() => opts({ response_format: { type: 'json_schema', json_schema: { name: 'n' } } })).toThrow(/schema/)
    expect(opts({ logprobs: true }).logprobs).toBe(0)
    expect(opts({ logprobs: true, top_logprobs: 4 }).logprobs).toBe(4)
  })
})

describe('history tool calls', () => {
  it('accept arguments as JSON text or as an object, and an omitted id', () => {
    const body = ChatCompletionRequestSchema.parse({
      model: 'm',
      messages: [{ role: 'assistant', content: null, tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }, { id: 'c2', type: 'function', function: { name: 'g', arguments: '{}' } }] }]
    })
    expect(body.messages[0]?.tool_calls).toEqual([
      { id: '', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
      { id: 'c2', type: 'function', function: { name: 'g', arguments: '{}' } }
    ])
  })
})

describe('embeddings dimensions', () => {
  it('truncates and re-normalises for Matryoshka models only', () => {
    const [v] = shorten([[3, 4, 12]], 2, { id: 'nomic-embed-text-v1.5', path: '/m/x.gguf' })
    expect(v).toEqual([0.6, 0.8])
    expect(shorten([[1, 0]], 1, { id: 'mine', path: '/m/mxbai-embed-large-v1-q8_0.gguf' })).toEqual([[1]])
    expect(() => shorten([[1, 0]], 1, { id: 'bge-small', path: '/m/bge.gguf' })).toThrow(/Matryoshka/)
    expect(() => shorten([[1, 0]], 3, { id: 'nomic-embed-text-v1.5', path: '' })).toThrow(/has 2|have 2/)
  })
})
