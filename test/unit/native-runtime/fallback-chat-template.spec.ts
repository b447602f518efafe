import { describe, expect, it } from 'vitest'
import { renderFallbackChat } from '../../../native-runtime/src/child/fallback-chat-template.js'

describe('renderFallbackChat', () => {
  it('writes one role line per message and prompts the assistant', () => {
    expect(
      renderFallbackChat([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello' }
      ])
    ).toBe('system: Be brief.\nuser: hello\nassistant:')
  })

  it('leaves a final assistant message open for the model to continue', () => {
    expect(
      renderFallbackChat([
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hel' }
      ])
    ).toBe('user: hi\nassistant: Hel')
  })

  it('writes tool calls after the assistant text and tool results as their own lines', () => {
    expect(
      renderFallbackChat([
        { role: 'user', content: 'q' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'f', arguments: '{"x":1}' }] },
        { role: 'tool', content: '42', toolCallId: 'a' }
      ])
    ).toBe('user: q\nassistant: <tool_call>{"name": "f", "arguments": {"x":1}}</tool_call>\ntool: 42\nassistant:')
  })
})
