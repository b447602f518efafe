import { describe, expect, it } from 'vitest'
import { toChatFunctions, toChatHistory } from '../../../native-runtime/src/child/chat-history.js'

describe('toChatHistory', () => {
  it('puts calls and their results (by id) in one model turn that the model then continues', () => {
    const h = toChatHistory([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'w', arguments: '{"city":"Paris"}' }, { id: 'b', name: 't', arguments: '{}' }] },
      { role: 'tool', content: '"noon"', toolCallId: 'b' },
      { role: 'tool', content: '{"temp":21}', toolCallId: 'a' }
    ])
    expect(h).toEqual([
      { type: 'system', text: 'sys' },
      { type: 'user', text: 'weather?' },
      {
        type: 'model',
        response: [
          { type: 'functionCall', name: 'w', params: { city: 'Paris' }, result: { temp: 21 }, startsNewChunk: true },
          { type: 'functionCall', name: 't', params: {}, result: 'noon' }
        ]
      }
    ])
  })

  it('an answer after the results continues the same turn; a new user turn asks for a reply', () => {
    const h = toChatHistory([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'let me see', toolCalls: [{ id: '', name: 'w', arguments: 'not json' }] },
      { role: 'tool', content: 'plain text' },
      { role: 'assistant', content: 'It is sunny.' },
      { role: 'user', content: 'thanks' }
    ])
    expect(h).toEqual([
      { type: 'user', text: 'q' },
      { type: 'model', response: ['let me see', { type: 'functionCall', name: 'w', params: 'not json', result: 'plain text', startsNewChunk: true }, 'It is sunny.'] },
      { type: 'user', text: 'thanks' },
      { type: 'model', response: [] }
    ])
  })

  it('a tool message with no call to answer is a user turn, and the model is asked to reply', () => {
    expect(toChatHistory([{ role: 'tool', content: 'r' }])).toEqual([{ type: 'user', text: 'r' }, { type: 'model', response: [] }])
  })

  it('maps tools to function definitions', () => {
    expect(toChatFunctions([{ name: 'f', description: 'd', parameters: { type: 'object' } }, { name: 'g' }])).toEqual({ f: { description: 'd', params: { type: 'object' } }, g: {} })
  })
})
