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
  return { vision, audio, tools: (body.tools?.length ?? 0) > 0 && body.tool_choice !== 'none' }
}

/** Messages as the runtime takes them: text content, assistant tool calls, the call a tool result answers. */
export function toRuntimeMessages(body: ChatCompletionRequest): ChatMessage[] {
  return body.messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.map((p) => (p.type === 'text' ? p.text : '')).join('') : '',
    ...(m.tool_calls && m.tool_calls.length > 0 ? { toolCalls: m.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })) } : {}),
    ...(m.tool_call_id === undefined ? {} : { toolCallId: m.tool_call_id })
  }))
}
