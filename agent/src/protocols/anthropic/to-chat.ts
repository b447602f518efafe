/**
 * Maps an Anthropic Messages request onto the one internal generation request, an OpenAI Chat
 * Completions body. Pure: unit-tested without a node.
 *
 * - `system` → a system message; text blocks → text parts; image blocks → `image_url` parts (a data
 *   URL for base64 sources), so vision routing applies as for chat;
 * - an assistant's `tool_use` blocks → `tool_calls`; a user's `tool_result` blocks → `tool` messages
 *   placed before the rest of that user turn (chat templates expect results right after the calls);
 * - `tools` → function tools; `tool_choice` auto/any/tool/none → auto/required/{function}/none.
 */
import type { ContentBlock, CountTokensRequest, MessageParam, MessagesRequest } from './schemas.js'

type ChatPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } }
type ChatMessage = Record<string, unknown>

const imageUrl = (b: Extract<ContentBlock, { type: 'image' }>): string =>
  b.source.type === 'base64' ? `data:${b.source.media_type};base64,${b.source.data}` : b.source.url

function partOf(b: ContentBlock): ChatPart | undefined {
  if (b.type === 'text') return { type: 'text', text: b.text }
  if (b.type === 'image') return { type: 'image_url', image_url: { url: imageUrl(b) } }
  return undefined
}

/** Text parts alone become a plain string (what text-only templates handle best). */
function contentOf(parts: ChatPart[]): string | ChatPart[] {
  return parts.every((p) => p.type === 'text') ? parts.map((p) => (p as { text: string }).text).join('') : parts
}

function toolResultText(b: Extract<ContentBlock, { type: 'tool_result' }>): string | ChatPart[] {
  if (b.content === undefined) return ''
  if (typeof b.content === 'string') return b.content
  return contentOf(b.content.map((c) => partOf(c)).filter((p): p is ChatPart => p !== undefined))
}

function userMessages(m: MessageParam): ChatMessage[] {
  if (typeof m.content === 'string') return [{ role: 'user', content: m.content }]
  const out: ChatMessage[] = []
  const parts: ChatPart[] = []
  for (const b of m.content) {
    if (b.type === 'tool_result') out.push({ role: 'tool', tool_call_id: b.tool_use_id, content: toolResultText(b) })
    else {
      const p = partOf(b)
      if (p) parts.push(p)
    }
  }
  if (parts.length > 0) out.push({ role: 'user', content: contentOf(parts) })
  return out
}

function assistantMessage(m: MessageParam): ChatMessage {
  if (typeof m.content === 'string') return { role: 'assistant', content: m.content }
  let text = ''
  const calls: unknown[] = []
  for (const b of m.content) {
    if (b.type === 'text') text += b.text
    else if (b.type === 'tool_use') calls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) } })
  }
  return calls.length > 0 ? { role: 'assistant', content: text || null, tool_calls: calls } : { role: 'assistant', content: text }
}

function toolChoiceOf(c: NonNullable<CountTokensRequest['tool_choice']>): unknown {
  switch (c.type) {
    case 'auto':
      return 'auto'
    case 'any':
      return 'required'
    case 'none':
      return 'none'
    case 'tool':
      return { type: 'function', function: { name: c.name } }
  }
}

/** The chat messages, tools and tool choice of a Messages (or count_tokens) request. */
export function chatPromptOf(req: CountTokensRequest): Record<string, unknown> {
  const messages: ChatMessage[] = []
  const system = typeof req.system === 'string' ? req.system : (req.system ?? []).map((b) => b.text).join('\n')
  if (system) messages.push({ role: 'system', content: system })
  for (const m of req.messages) {
    if (m.role === 'user') messages.push(...userMessages(m))
    else messages.push(assistantMessage(m))
  }
  const out: Record<string, unknown> = { model: req.model, messages }
  if (req.tools && req.tools.length > 0 && req.tool_choice?.type !== 'none') {
    out.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema } }))
  }
  if (req.tool_choice && out.tools) {
    out.tool_choice = toolChoiceOf(req.tool_choice)
    if ('disable_parallel_tool_use' in req.tool_choice && req.tool_choice.disable_parallel_tool_use) out.parallel_tool_calls = false
  }
  return out
}

/** The whole chat body of a Messages request (sampling and stopping included). */
export function chatRequestOf(req: MessagesRequest): Record<string, unknown> {
  const out = chatPromptOf(req)
  out.max_tokens = req.max_tokens
  if (req.stop_sequences && req.stop_sequences.length > 0) out.stop = req.stop_sequences
  if (req.temperature !== undefined) out.temperature = req.temperature
  if (req.top_p !== undefined) out.top_p = req.top_p
  if (req.top_k !== undefined) out.top_k = req.top_k
  if (req.metadata?.user_id) out.user = req.metadata.user_id
  return out
}
