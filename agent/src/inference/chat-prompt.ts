/**
 * Reduces OpenAI chat messages to the runtime's text-only messages, and tells which capabilities
 * the request needs (image parts need vision, tools need a tool-capable template).
 */
import type { ChatMessage } from '../../../native-runtime/src/index.js'
import type { ChatCompletionRequest } from '../http/schemas/openai.js'

export interface ChatNeeds {
  vision: boolean
  audio: boolean
  tools: boolean
}

export function chatNeeds(body: ChatCompletionRequest): ChatNeeds {
  let vision = false
  let audio = false
  for (const m of body.messages) {
    if (!Array.isArray(m.content)) continue
    for (const p of m.content) {
      if (p.type === 'image_url') vision = true
      else if (p.type === 'input_audio') audio = true
    }
  }
  return { vision, audio, tools: (body.tools?.length ?? 0) > 0 }
}

export function toRuntimeMessages(body: ChatCompletionRequest): ChatMessage[] {
  return body.messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.map((p) => (p.type === 'text' ? p.text : '')).join('') : ''
  }))
}
