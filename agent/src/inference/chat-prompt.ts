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

/** An image part of a chat body: its message, its offset in that message's text, its URL and its param path. */
export interface ImageRef {
  message: number
  at: number
  url: string
  param: string
}

/** The image parts of a chat body, placed in the text `toRuntimeMessages` gives each message. */
export function imageRefsOf(body: ChatCompletionRequest): ImageRef[] {
  const refs: ImageRef[] = []
  body.messages.forEach((m, i) => {
    if (!Array.isArray(m.content)) return
    let at = 0
    m.content.forEach((p, j) => {
      if (p.type === 'text') at += p.text.length
      else if (p.type === 'image_url') {
        const url = typeof p.image_url === 'string' ? p.image_url : p.image_url.url
        refs.push({ message: i, at, url, param: `messages[${i}].content[${j}].image_url` })
      }
    })
  })
  return refs
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
