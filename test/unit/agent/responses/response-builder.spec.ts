/** The chat chunks → Responses events translation: order, sequence numbers, items, final response. */
import { describe, expect, it } from 'vitest'
import type { ChatChunk } from '../../../../agent/src/protocols/chat-events.js'
import { ResponseBuilder } from '../../../../agent/src/protocols/responses/response-builder.js'
import { sseEvent } from '../../../../agent/src/protocols/responses/serve-response.js'
import { ResponseObjectSchema, ResponseStreamEventSchema, type ResponseStreamEvent } from '../../../../agent/src/protocols/responses/schemas.js'

const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: string | null = null, usage?: ChatChunk['usage']): ChatChunk => ({
  id: 'c1',
  created: 1,
  model: 'm',
  choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
  ...(usage ? { usage } : {})
})
const USAGE = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10, prompt_tokens_details: { cached_tokens: 2 } }

function run(chunks: ChatChunk[]): { events: ResponseStreamEvent[]; b: ResponseBuilder } {
  const b = new ResponseBuilder({ id: 'resp_x', createdAt: 100, request: { model: 'm', input: 'hi', store: false } })
  const events = [...b.start(), ...chunks.flatMap((c) => b.push(c)), ...b.finish(200)]
  return { events, b }
}

describe('ResponseBuilder', () => {
  it('streams text in OpenAI order with increasing sequence numbers, ending in a completed response', () => {
    const { events, b } = run([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop'), chunk({}, null, USAGE)])
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed'
    ])
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i))
    for (const e of events) expect(ResponseStreamEventSchema.safeParse(e).success).toBe(true)
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('')
    const done = events.find((e) => e.type === 'response.output_text.done')
    expect(done && 'text' in done ? done.text : '').toBe('Hello')
    expect(deltas).toBe('Hello')
    const r = ResponseObjectSchema.parse(b.response)
    expect(r.status).toBe('completed')
    expect(r.completed_at).toBe(200)
    expect(r.output).toEqual([{ type: 'message', id: expect.stringMatching(/^msg_/), role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello', annotations: [], logprobs: [] }] }])
    expect(r.usage).toEqual({ input_tokens: 7, input_tokens_details: { cached_tokens: 2 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 10 })
    // the created event is a snapshot taken before any output
    const created = events[0]
    expect(created?.type === 'response.created' && created.response.status).toBe('in_progress')
    expect(created?.type === 'response.created' && created.response.output).toEqual([])
  })

  it('a model that ends at once still answers with one empty assistant message, whose id a next turn can reference', () => {
    const { events, b } = run([chunk({ role: 'assistant', content: '' }), chunk({}, 'stop'), chunk({}, null, USAGE)])
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed'
    ])
    const r = ResponseObjectSchema.parse(b.response)
    expect(r.output).toEqual([{ type: 'message', id: expect.stringMatching(/^msg_/), role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: '', annotations: [], logprobs: [] }] }])
  })

  it('turns streamed tool calls into function_call items with argument deltas', () => {
    const { events, b } = run([
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
      chunk({}, 'tool_calls')
    ])
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed'
    ])
    expect(b.response.output).toEqual([
      { type: 'function_call', id: expect.stringMatching(/^fc_/), call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
      { type: 'function_call', id: expect.stringMatching(/^fc_/), call_id: 'call_2', name: 'get_time', arguments: '{}', status: 'completed' }
    ])
    const done = events.find((e) => e.type === 'response.function_call_arguments.done')
    expect(done).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}', output_index: 0 })
  })

  it('text then a call: the message is closed before the call item opens', () => {
    const { b } = run([chunk({ content: 'Let me check.' }), chunk({ tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '{}' } }] }), chunk({}, 'tool_calls')])
    expect(b.response.output.map((o) => o.type)).toEqual(['message', 'function_call'])
  })

  it('a thinking segment becomes a reasoning item before the message', () => {
    const { events, b } = run([chunk({ reasoning_content: 'Let me ' }), chunk({ reasoning_content: 'think.' }), chunk({ content: 'Answer.' }), chunk({}, 'stop')])
    expect(events.map((e) => e.type).slice(2, 7)).toEqual(['response.output_item.added', 'response.reasoning_text.delta', 'response.reasoning_text.delta', 'response.reasoning_text.done', 'response.output_item.done'])
    for (const e of events) expect(ResponseStreamEventSchema.safeParse(e).success).toBe(true)
    expect(b.response.output.map((o) => o.type)).toEqual(['reasoning', 'message'])
    expect(b.response.output[0]).toMatchObject({ type: 'reasoning', id: expect.stringMatching(/^rs_/), summary: [], content: [{ type: 'reasoning_text', text: 'Let me think.' }], status: 'completed' })
  })

  it('SSE: every event named and its data the event itself (the text-delta template included)', () => {
    const { events } = run([chunk({ content: 'a "quoted"\nline' }), chunk({}, 'stop')])
    for (const e of events) {
      const [name, data] = sseEvent(e).split('\n')
      expect(name).toBe(`event: ${e.type}`)
      expect(JSON.parse((data ?? '').slice('data: '.length))).toEqual(e)
    }
  })

  it('a length cut ends in response.incomplete with max_output_tokens', () => {
    const { events, b } = run([chunk({ content: 'abc' }), chunk({}, 'length')])
    expect(events.at(-1)?.type).toBe('response.incomplete')
    expect(b.response.status).toBe('incomplete')
    expect(b.response.incomplete_details).toEqual({ reason: 'max_output_tokens' })
    expect(b.response.output[0]?.status).toBe('incomplete')
  })

  it('a failure mid-generation closes the open item and ends in response.failed with the error', () => {
    const b = new ResponseBuilder({ id: 'resp_x', createdAt: 1, request: { model: 'm', input: 'hi' } })
    const events = [...b.start(), ...b.push(chunk({ content: 'ab' })), ...b.fail({ code: 'server_error', message: 'broke' })]
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: 'broke' } } })
    expect(events.map((e) => e.type)).toContain('response.output_item.done')
  })

  it('repeats the request settings in the response object', () => {
    const b = new ResponseBuilder({
      id: 'resp_y',
      createdAt: 5,
      request: { model: 'm', input: 'x', instructions: 'be brief', max_output_tokens: 9, temperature: 0.5, top_p: 0.9, metadata: { a: 'b' }, tool_choice: 'required', tools: [{ type: 'function', name: 'f', parameters: {} }], text: { format: { type: 'json_object' } }, previous_response_id: 'resp_prev' }
    })
    expect(b.response).toMatchObject({ instructions: 'be brief', max_output_tokens: 9, temperature: 0.5, top_p: 0.9, metadata: { a: 'b' }, tool_choice: 'required', text: { format: { type: 'json_object' } }, previous_response_id: 'resp_prev', store: true, status: 'in_progress' })
  })
})
