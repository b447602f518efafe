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
})
