/**
 * The chat template used for models whose GGUF has no `tokenizer.chat_template`.
 */
import type { ChatMessage } from '../interfaces.js'

/**
 * Stop strings added to chat requests rendered with the fallback template, so a model that continues the
 * dialogue on its own ends its turn where the next user turn would begin.
 */
export const FALLBACK_CHAT_STOPS: readonly string[] = ['\nuser:']

/**
 * Renders messages as plain text, one `<role>: <content>\n` line per message, then `assistant:` to prompt
 * the reply. When the last message is the assistant's, it is left open (`assistant: <content>`, no newline)
 * so the model continues it (a "prefill"), as llama.cpp's server does.
 */
export function renderFallbackChat(messages: readonly ChatMessage[]): string {
  const last = messages[messages.length - 1]
  if (last?.role === 'assistant') {
    return messages.slice(0, -1).map(line).join('') + `assistant: ${last.content}`
  }
  return messages.map(line).join('') + 'assistant:'
}

/** A message's line; an assistant's tool calls follow its text in the Hermes syntax (see specs/tools.md). */
function line(m: ChatMessage): string {
  const calls = (m.toolCalls ?? []).map((c) => `<tool_call>{"name": ${JSON.stringify(c.name)}, "arguments": ${c.arguments}}</tool_call>`)
  return `${m.role}: ${[m.content, ...calls].filter((x) => x !== '').join(' ')}\n`
}
