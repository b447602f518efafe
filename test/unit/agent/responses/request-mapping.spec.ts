/** Responses request → chat body: items, instructions, tools, formats, and the 400s of bad input. */
import { describe, expect, it } from 'vitest'
import { inputItemsOf, toChatBody } from '../../../../agent/src/protocols/responses/request-mapping.js'
import { parseResponsesRequest } from '../../../../agent/src/protocols/responses/parse-request.js'
import { InvalidRequestError } from '../../../../agent/src/errors/errors.js'
import type { InputItem, ResponsesRequest } from '../../../../agent/src/protocols/responses/schemas.js'

const body = (req: Partial<ResponsesRequest> & { input: ResponsesRequest['input'] }, context: InputItem[] = []): Record<string, unknown> => {
  const r = parseResponsesRequest({ model: 'm', ...req })
  return toChatBody(r, context, inputItemsOf(r.input as string | InputItem[]))
}

function error400(fn: () => unknown): InvalidRequestError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError)
    return err as InvalidRequestError
  }
  throw new Error('expected a 400')
}

describe('Responses request mapping', () => {
  it('a string input is one user message; instructions lead as a system message; limits and sampling map', () => {
    expect(body({ input: 'hi', instructions: 'be brief', max_output_tokens: 12, temperature: 0.3, top_p: 0.8, user: 'u1', ignore_eos: true, reasoning: { effort: 'low' } })).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' }
      ],
      max_tokens: 12,
      temperature: 0.3,
      top_p: 0.8,
      user: 'u1',
      ignore_eos: true,
      reasoning_effort: 'low'
    })
  })

  it('items: parts, developer → system, assistant output_text, a function call joined to its turn, its output as a tool message', () => {
    const b = body({
      input: [
        { role: 'developer', content: 'rules' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'weather in ' }, { type: 'input_text', text: 'Paris?' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '{"temp":21}' },
        { type: 'reasoning', summary: [] }
      ]
    })
    expect(b.messages).toEqual([
      { role: 'system', content: 'rules' },
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' }
    ])
  })

  it('the previous conversation comes first, this input after it', () => {
    const context: InputItem[] = [
      { type: 'message', role: 'user', content: 'first' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'answer' }] }
    ]
    expect(body({ input: 'second' }, context).messages).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'answer' },
      { role: 'user', content: 'second' }
    ])
  })

  it('function tools, tool_choice, parallel_tool_calls and text.format map to their chat fields', () => {
    const b = body({
      input: 'x',
      tools: [{ type: 'function', name: 'f', description: 'does f', parameters: { type: 'object', properties: { a: { type: 'string' } } }, strict: true }],
      tool_choice: { type: 'function', name: 'f' },
      parallel_tool_calls: false,
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } }
    })
    expect(b.tools).toEqual([{ type: 'function', function: { name: 'f', description: 'does f', parameters: { type: 'object', properties: { a: { type: 'string' } } }, strict: true } }])
    expect(b.tool_choice).toEqual({ type: 'function', function: { name: 'f' } })
    expect(b.parallel_tool_calls).toBe(false)
    expect(b.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } })
    expect(body({ input: 'x', text: { format: { type: 'json_object' } } }).response_format).toEqual({ type: 'json_object' })
    expect(body({ input: 'x', text: { format: { type: 'text' } } }).response_format).toBeUndefined()
  })

  it('input items get ids; ids the client gave are kept', () => {
    const items = inputItemsOf([{ role: 'user', content: 'a' }, { type: 'function_call', id: 'fc_mine', call_id: 'c', name: 'f', arguments: '{}' }])
    expect(items[0]).toEqual({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'a' }], id: expect.stringMatching(/^msg_/) })
    expect(inputItemsOf([{ role: 'assistant', content: 'b' }])[0]).toMatchObject({ content: [{ type: 'output_text', text: 'b', annotations: [] }] })
    expect(items[1]?.id).toBe('fc_mine')
  })

  it('bad input is a 400 naming the field', () => {
    expect(error400(() => body({ input: [{ type: 'function_call_output', call_id: 'nope', output: 'x' }] })).param).toBe('input[0].call_id')
    expect(error400(() => body({ input: [{ type: 'function_call', call_id: 'c', name: 'f' } as never] })).param).toBe('input[0].arguments')
    expect(error400(() => body({ input: [{ type: 'computer_call_output' } as never] })).param).toBe('input[0].type')
    expect(error400(() => body({ input: [{ content: 'no role' } as never] })).param).toBe('input[0]')
    expect(error400(() => body({ input: [{ role: 'user', content: [{ type: 'input_file' }] } as never] })).param).toMatch(/^input\[0\]\.content/)
    expect(error400(() => body({ input: [] })).param).toBe('input')
    expect(error400(() => body({ input: 'x', tool_choice: { type: 'function', name: 'g' }, tools: [{ type: 'function', name: 'f' }] })).param).toBe('tool_choice.name')
    expect(error400(() => body({ input: 'x', tool_choice: 'required' })).param).toBe('tool_choice')
    expect(error400(() => body({ input: 'x', tools: [{ type: 'web_search' } as never] })).param).toMatch(/^tools\[0\]/)
    expect(error400(() => body({ input: 'x', background: true })).param).toBe('background')
    expect(error400(() => body({ input: [{ role: 'system', content: [{ type: 'input_image', image_url: 'data:x' }] }] })).param).toBe('input[0].content[0]')
    expect(error400(() => parseResponsesRequest({ input: 'x' })).param).toBe('model')
  })
})
