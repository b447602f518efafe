/**
 * Maps a Responses request onto the one generation path's request, an OpenAI Chat Completions body:
 * the conversation (the stored context of `previous_response_id`, then this request's `input`) becomes
 * `messages`, `instructions` a leading system message, function tools chat tools, `text.format`
 * `response_format`, `max_output_tokens` `max_tokens`. Pure; a bad item is a 400 naming it.
 */
import { InvalidRequestError } from '../../errors/errors.js'
import { newItemId } from './ids.js'
import type { ContentPart, InputItem, ResponsesRequest, StoredInputItem, TextFormat, ToolChoice } from './schemas.js'

/** `reasoning_effort` values the chat path takes. */
const CHAT_EFFORTS: ReadonlySet<string> = new Set(['none', 'minimal', 'low', 'medium', 'high'])

type ChatPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } }

/** A chat message as the chat path takes it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool'
  content: string | ChatPart[] | null
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[]
  tool_call_id?: string
}

/** Where an item sits, for error params: `input[3]`, or the stored context of the previous response. */
type Where = (i: number) => string

/**
 * This request's `input` as OpenAI lists it back (`input_items`): a string is one user message, every
 * item has an id and a type, message text is in parts (`input_text`, or `output_text` for the assistant).
 */
export function inputItemsOf(input: string | readonly InputItem[]): StoredInputItem[] {
  const items: readonly InputItem[] = typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input
  return items.map((it): StoredInputItem => {
    const id = it.id ?? newItemId(idPrefix(it))
    if (it.type !== undefined && it.type !== 'message') return { ...it, id }
    const content: ContentPart[] = typeof it.content !== 'string' ? it.content : it.role === 'assistant' ? [{ type: 'output_text', text: it.content, annotations: [] }] : [{ type: 'input_text', text: it.content }]
    return { ...it, type: 'message', content, id }
  })
}

function idPrefix(it: InputItem): 'msg' | 'fc' | 'fco' | 'rs' {
  switch (it.type) {
    case 'function_call':
      return 'fc'
    case 'function_call_output':
      return 'fco'
    case 'reasoning':
      return 'rs'
    default:
      return 'msg'
  }
}

function textOf(parts: string | ContentPart[], param: string, images: boolean): string | ChatPart[] {
  if (typeof parts === 'string') return parts
  const out: ChatPart[] = []
  for (const [j, p] of parts.entries()) {
    if (p.type === 'input_text' || p.type === 'output_text') out.push({ type: 'text', text: p.text })
    else if (p.type === 'refusal') out.push({ type: 'text', text: p.refusal })
    else if (!images) throw new InvalidRequestError(`'${param}.content[${j}]': images are only accepted in user messages`, `${param}.content[${j}]`)
    else if (!p.image_url) throw new InvalidRequestError(`'${param}.content[${j}]': only images given by image_url are supported (no file_id)`, `${param}.content[${j}].image_url`)
    else out.push({ type: 'image_url', image_url: { url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) } })
  }
  // plain text as one string: every chat template renders it
  return out.every((p) => p.type === 'text') ? out.map((p) => (p as { text: string }).text).join('') : out
}

/** The chat messages of a conversation of items; checks that each function output answers a call. */
export function toChatMessages(items: readonly InputItem[], where: Where): ChatMessage[] {
  const messages: ChatMessage[] = []
  const calls = new Set<string>()
  for (const [i, it] of items.entries()) {
    const param = where(i)
    if (it.type === 'reasoning') continue
    if (it.type === 'function_call') {
      calls.add(it.call_id)
      const call = { id: it.call_id, type: 'function' as const, function: { name: it.name, arguments: it.arguments } }
      const last = messages.at(-1)
      // a turn's text and its calls are one chat assistant message
      if (last?.role === 'assistant') (last.tool_calls ??= []).push(call)
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] })
      continue
    }
    if (it.type === 'function_call_output') {
      if (!calls.has(it.call_id)) throw new InvalidRequestError(`No function call found for function_call_output with call_id '${it.call_id}'`, `${param}.call_id`)
      const output = textOf(it.output, param, false)
      messages.push({ role: 'tool', tool_call_id: it.call_id, content: typeof output === 'string' ? output : '' })
      continue
    }
    const role = it.role === 'developer' ? 'system' : it.role
    messages.push({ role, content: textOf(it.content, param, role === 'user') })
  }
  return messages
}

function toolChoiceOf(choice: ToolChoice, req: ResponsesRequest): unknown {
  if (typeof choice === 'string') {
    if (choice === 'required' && !req.tools?.length) throw new InvalidRequestError("tool_choice 'required' needs at least one tool in 'tools'", 'tool_choice')
    return choice
  }
  if (!req.tools?.some((t) => t.name === choice.name)) throw new InvalidRequestError(`tool_choice names the function '${choice.name}', which is not in 'tools'`, 'tool_choice.name')
  return { type: 'function', function: { name: choice.name } }
}

function responseFormatOf(format: TextFormat): unknown {
  if (format.type === 'json_object') return { type: 'json_object' }
  if (format.type === 'json_schema') {
    return { type: 'json_schema', json_schema: { name: format.name, schema: format.schema, ...(format.strict != null ? { strict: format.strict } : {}), ...(format.description ? { description: format.description } : {}) } }
  }
  return undefined
}

/**
 * The chat body of a Responses request whose conversation so far is `context` (the previous
 * response's context, input and output) followed by `input`.
 */
export function toChatBody(req: ResponsesRequest, context: readonly InputItem[], input: readonly InputItem[]): Record<string, unknown> {
  if (req.background) throw new InvalidRequestError('background responses are not supported', 'background')
  const messages = toChatMessages([...context, ...input], (i) => (i < context.length ? 'previous_response_id' : `input[${i - context.length}]`))
  if (!messages.some((m) => m.role !== 'system')) throw new InvalidRequestError("'input' must contain at least one message", 'input')
  if (req.instructions) messages.unshift({ role: 'system', content: req.instructions })
  const body: Record<string, unknown> = { model: req.model, messages }
  if (req.tools?.length) body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters ?? { type: 'object', properties: {} }, ...(t.strict != null ? { strict: t.strict } : {}) } }))
  if (req.tool_choice) body.tool_choice = toolChoiceOf(req.tool_choice, req)
  if (req.parallel_tool_calls != null && req.tools?.length) body.parallel_tool_calls = req.parallel_tool_calls
  const format = req.text?.format ? responseFormatOf(req.text.format) : undefined
  if (format) body.response_format = format
  if (req.max_output_tokens != null) body.max_tokens = req.max_output_tokens
  if (req.temperature != null) body.temperature = req.temperature
  if (req.top_p != null) body.top_p = req.top_p
  if (req.user != null) body.user = req.user
  if (req.ignore_eos) body.ignore_eos = true
  if (req.reasoning?.effort && CHAT_EFFORTS.has(req.reasoning.effort)) body.reasoning_effort = req.reasoning.effort
  if (req.include?.includes('message.output_text.logprobs') || (req.top_logprobs ?? 0) > 0) {
    body.logprobs = true
    if (req.top_logprobs) body.top_logprobs = req.top_logprobs
  }
  return body
}
