import { describe, expect, it } from 'vitest'
import { parseBody } from '../../../agent/src/http/schemas/parse-body.js'
import { ChatCompletionRequestSchema, EmbeddingRequestSchema } from '../../../agent/src/http/schemas/openai.js'
import { InvalidRequestError } from '../../../agent/src/errors/errors.js'

const paramOf = (fn: () => unknown): string | null => {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidRequestError)
    return (e as InvalidRequestError).param
  }
  throw new Error('did not throw')
}

describe('parseBody', () => {
  it('accepts a minimal chat body and ignores unknown fields', () => {
    const b = parseBody(ChatCompletionRequestSchema, { model: 'm', messages: [{ role: 'user', content: 'hi' }], logit_bias: {} })
    expect(b.messages[0]?.content).toBe('hi')
  })
  it('names the missing or bad field in param', () => {
    expect(paramOf(() => parseBody(ChatCompletionRequestSchema, { messages: [{ role: 'user', content: 'x' }] }))).toBe('model')
    expect(paramOf(() => parseBody(ChatCompletionRequestSchema, { model: 'm', messages: [{ role: 'robot', content: 'x' }] }))).toBe('messages[0].role')
    expect(paramOf(() => parseBody(ChatCompletionRequestSchema, { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 9 }))).toBe('temperature')
    expect(paramOf(() => parseBody(EmbeddingRequestSchema, { model: 'm', input: 'x', encoding_format: 'hex' }))).toBe('encoding_format')
  })
  it('rejects non-object bodies', () => {
    expect(paramOf(() => parseBody(ChatCompletionRequestSchema, [1, 2]))).toBe(null)
    expect(paramOf(() => parseBody(ChatCompletionRequestSchema, undefined))).toBe(null)
  })
})
