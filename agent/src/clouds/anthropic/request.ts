/**
 * An OpenAI chat request as an Anthropic Messages request (always streamed; a non-streamed client
 * answer is collected from the stream). System and developer messages become `system`; tool results
 * become `tool_result` blocks in a user turn; consecutive turns of one role merge, as Anthropic wants
 * user and assistant to alternate; images become base64 or URL image blocks.
 */
import type { ChatCompletionRequest } from '../../http/schemas/openai.js'
import { Turns, argsObject, assertNoAudio, assertOneChoice, imageOf, maxTokensOf, stopList, textOf, type ContentPart } from '../content.js'

/** Anthropic requires max_tokens; used when the client sets none. */
export const DEFAULT_MAX_TOKENS = 4096

type Block = Record<string, unknown>

function partBlock(part: ContentPart): Block | undefined {
  assertNoAudio('anthropic', part)
  if (part.type === 'text') return part.text ? { type: 'text', text: part.text } : undefined
  if (part.type !== 'image_url') return undefined
  const img = imageOf(part)
  return { type: 'image', source: img.kind === 'inline' ? { type: 'base64', media_type: img.mediaType, data: img.data } : { type: 'url', url: img.url } }
}

function toolChoiceOf(b: ChatCompletionRequest): Record<string, unknown> | undefined {
  const tc = b.tool_choice
  const noParallel = b.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {}
  if (tc == null) return b.parallel_tool_calls === false && b.tools?.length ? { type: 'auto', ...noParallel } : undefined
  if (tc === 'none') return { type: 'none' }
  if (tc === 'auto') return { type: 'auto', ...noParallel }
  if (tc === 'required') return { type: 'any', ...noParallel }
  return { type: 'tool', name: tc.function.name, ...noParallel }
}

export function anthropicRequestOf(b: ChatCompletionRequest, model: string): Record<string, unknown> {
  assertOneChoice('anthropic', b)
  const system: string[] = []
  const turns = new Turns<'user' | 'assistant', Block>()
  const push = turns.push.bind(turns)
  for (const m of b.messages) {
    if (m.role === 'system' || m.role === 'developer') {
      system.push(textOf(m.content))
    } else if (m.role === 'tool') {
      push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id ?? '', content: textOf(m.content) }])
    } else if (m.role === 'assistant') {
      const blocks: Block[] = []
      const text = textOf(m.content)
      if (text) blocks.push({ type: 'text', text })
      for (const c of m.tool_calls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.function.name, input: argsObject(c.function.arguments) })
      push('assistant', blocks)
    } else {
      const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content ?? []).map(partBlock).filter((x): x is Block => x !== undefined)
      push('user', blocks)
    }
  }
  const out: Record<string, unknown> = { model, messages: turns.list.map((t) => ({ role: t.role, content: t.items })), max_tokens: maxTokensOf(b) ?? DEFAULT_MAX_TOKENS, stream: true }
  if (system.length) out.system = system.join('\n\n')
  // OpenAI's temperature runs to 2, Anthropic's to 1
  if (b.temperature != null) out.temperature = Math.min(1, b.temperature)
  if (b.top_p != null) out.top_p = b.top_p
  const stop = stopList(b.stop)
  if (stop?.length) out.stop_sequences = stop
  if (b.tools?.length) out.tools = b.tools.map((t) => ({ name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), input_schema: t.function.parameters ?? { type: 'object', properties: {} } }))
  const choice = toolChoiceOf(b)
  if (choice) out.tool_choice = choice
  if (b.user) out.metadata = { user_id: b.user }
  return out
}
