/** The Anthropic translator's pure parts: request → chat body, chat chunks → message / events, errors. */
import { describe, expect, it } from 'vitest'
import { MessagesRequestSchema } from '../../../../agent/src/protocols/anthropic/schemas.js'
import { chatPromptOf, chatRequestOf } from '../../../../agent/src/protocols/anthropic/to-chat.js'
import { messageBody, messageEvents, stopReasonOf, toolInputOf } from '../../../../agent/src/protocols/anthropic/format.js'
import { anthropicErrorOf } from '../../../../agent/src/protocols/anthropic/errors.js'
import { ChatPathError, collectChat, type ChatChunk } from '../../../../agent/src/protocols/chat-events.js'

const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: string | null = null, usage?: ChatChunk['usage']): ChatChunk => ({ id: 'c1', created: 1, model: 'm', choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })
const usage = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 }

async function* from<T>(items: T[], fail?: Error): AsyncGenerator<T> {
  for (const i of items) yield i
  if (fail) throw fail
}

async function all(gen: AsyncIterable<string>): Promise<{ type: string; data: Record<string, any> }[]> {
  const out: { type: string; data: Record<string, any> }[] = []
  // a piece holds the events of one chat chunk
  for await (const piece of gen) {
    expect(piece.endsWith('\n\n')).toBe(true)
    for (const e of piece.trim().split('\n\n')) {
      const [head, data] = e.split('\n')
      out.push({ type: (head ?? '').slice('event: '.length), data: JSON.parse((data ?? '').slice('data: '.length)) })
    }
  }
  return out
}

describe('Anthropic request → chat body', () => {
  it('maps system, images, tool_use and tool_result, sampling and stops', () => {
    const req = MessagesRequestSchema.parse({
      model: 'm',
      max_tokens: 20,
      system: [{ type: 'text', text: 'Be brief.' }],
      stop_sequences: ['END'],
      temperature: 0.5,
      top_k: 5,
      metadata: { user_id: 'u1' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is in ' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a cat' }] }, { type: 'text', text: 'So?' }] }
      ],
      tools: [{ name: 'lookup', description: 'Looks up', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
      tool_choice: { type: 'tool', name: 'lookup', disable_parallel_tool_use: true }
    })
    expect(chatRequestOf(req)).toEqual({
      model: 'm',
      max_tokens: 20,
      stop: ['END'],
      temperature: 0.5,
      top_k: 5,
      user: 'u1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is in ' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'a cat' },
        { role: 'user', content: 'So?' }
      ],
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      parallel_tool_calls: false
    })
  })

  it('maps tool_choice auto/any/none', () => {
    const base = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }], tools: [{ name: 't', input_schema: { type: 'object' } }] }
    expect(chatPromptOf({ ...base, tool_choice: { type: 'auto' } }).tool_choice).toBe('auto')
    expect(chatPromptOf({ ...base, tool_choice: { type: 'any' } }).tool_choice).toBe('required')
    const none = chatPromptOf({ ...base, tool_choice: { type: 'none' } })
    expect(none.tools).toBeUndefined()
    expect(none.tool_choice).toBeUndefined()
  })

  it('refuses what Anthropic refuses: no max_tokens, an unknown role, an unknown block', () => {
    expect(MessagesRequestSchema.safeParse({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).success).toBe(false)
    expect(MessagesRequestSchema.safeParse({ model: 'm', max_tokens: 1, messages: [{ role: 'system', content: 'hi' }] }).success).toBe(false)
    expect(MessagesRequestSchema.safeParse({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'video' }] }] }).success).toBe(false)
  })
})

describe('chat answer → Anthropic message', () => {
  it('a text answer: one text block, stop reason, usage', async () => {
    const u = { promptTokens: 0, completionTokens: 0 }
    const c = await collectChat(from([chunk({ role: 'assistant', content: 'Hel' }), chunk({ content: 'lo' }, 'length'), chunk({}, null, usage)]))
    expect(messageBody({ id: 'msg_1', model: 'm' }, c, u)).toEqual({
      id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'Hello' }], stop_reason: 'max_tokens', stop_sequence: null, usage: { input_tokens: 7, output_tokens: 3 }
    })
    expect(u).toEqual({ promptTokens: 7, completionTokens: 3 })
  })

  it('tool calls become tool_use blocks with parsed input', async () => {
    const c = await collectChat(from([chunk({ tool_calls: [{ index: 0, id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{"q":' } }] }), chunk({ tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] }, 'tool_calls')]))
    const body = messageBody({ id: 'msg_1', model: 'm' }, c, { promptTokens: 0, completionTokens: 0 })
    expect(body.content).toEqual([{ type: 'tool_use', id: 'call_9', name: 'lookup', input: { q: 'x' } }])
    expect(body.stop_reason).toBe('tool_use')
  })

  it('stop reasons and tool inputs', () => {
    expect(stopReasonOf('stop', false)).toBe('end_turn')
    expect(stopReasonOf('length', false)).toBe('max_tokens')
    expect(stopReasonOf('stop', true)).toBe('tool_use')
    expect(toolInputOf('not json')).toEqual({})
    expect(toolInputOf('[1]')).toEqual({})
  })
})

describe('chat chunks → Anthropic events', () => {
  it('the events of one chat chunk leave as one piece: the first token is one write', async () => {
    const pieces: string[] = []
    for await (const p of messageEvents({ id: 'msg_1', model: 'm' }, from([chunk({ role: 'assistant', content: 'Hi' }), chunk({ content: '!' }, 'stop')]), { promptTokens: 0, completionTokens: 0 })) pieces.push(p)
    expect(pieces).toHaveLength(3)
    expect(pieces[0]?.match(/^event: /gm)).toEqual(['event: ', 'event: ', 'event: ', 'event: '])
    expect(pieces[0]).toContain('"text_delta"')
  })

  it('text then a tool call: blocks open and close in order, then message_delta and message_stop', async () => {
    const u = { promptTokens: 0, completionTokens: 0 }
    const events = await all(messageEvents({ id: 'msg_1', model: 'm' }, from([
      chunk({ role: 'assistant', content: 'Hi' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, 'tool_calls'),
      chunk({}, null, usage)
    ]), u))
    expect(events.map((e) => e.type)).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'])
    expect(events[5]?.data).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_1', name: 'f', input: {} } })
    expect(events.filter((e) => e.data.delta?.type === 'input_json_delta').map((e) => e.data.delta.partial_json).join('')).toBe('{"a":1}')
    expect(events[9]?.data).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 7, output_tokens: 3 } })
    expect(u.completionTokens).toBe(3)
  })

  it('an empty answer still has one text block; an error mid-stream ends with an error event', async () => {
    const empty = await all(messageEvents({ id: 'msg_1', model: 'm' }, from([chunk({}, 'stop')]), { promptTokens: 0, completionTokens: 0 }))
    expect(empty.map((e) => e.type)).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_stop', 'message_delta', 'message_stop'])
    const broken = await all(messageEvents({ id: 'msg_1', model: 'm' }, from([chunk({ content: 'x' })], new ChatPathError(502, { error: { message: 'The stream broke', type: 'server_error', param: null, code: 'stream_failed' } }, {}, true)), { promptTokens: 0, completionTokens: 0 }))
    expect(broken.map((e) => e.type)).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_stop', 'error'])
    expect(broken.at(-1)?.data).toEqual({ type: 'error', error: { type: 'api_error', message: 'The stream broke' } })
  })
})

describe('Anthropic errors', () => {
  const body = (message: string) => ({ error: { message, type: 'x', param: null, code: 'c' } })
  it('maps statuses to types; 503 becomes 529 overloaded_error', () => {
    expect(anthropicErrorOf(400, body('bad'))).toEqual({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'bad' } } })
    expect(anthropicErrorOf(401, body('no')).body.error.type).toBe('authentication_error')
    expect(anthropicErrorOf(403, body('no')).body.error.type).toBe('permission_error')
    expect(anthropicErrorOf(404, body('no')).body.error.type).toBe('not_found_error')
    expect(anthropicErrorOf(413, body('no')).body.error.type).toBe('request_too_large')
    expect(anthropicErrorOf(429, body('no')).body.error.type).toBe('rate_limit_error')
    expect(anthropicErrorOf(503, body('busy'))).toEqual({ status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'busy' } } })
    expect(anthropicErrorOf(502, body('x')).body.error.type).toBe('api_error')
  })
})
