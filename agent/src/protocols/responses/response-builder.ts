/**
 * Turns the chat path's chunks into a Responses answer: the stream events in OpenAI's order, each with
 * its `sequence_number`, and the response object they add up to. The same builder serves a streamed
 * answer (its events are sent) and a non-streamed one (only its final response is). Pure, no I/O.
 *
 * Order: `response.created`, `response.in_progress`; per thinking segment `output_item.added`
 * (reasoning), `reasoning_text.delta`…, `reasoning_text.done`, `output_item.done`; per text segment `output_item.added` (message),
 * `content_part.added`, `output_text.delta`…, `output_text.done`, `content_part.done`,
 * `output_item.done`; per tool call `output_item.added` (function_call), `function_call_arguments.delta`…,
 * `function_call_arguments.done`, `output_item.done`; then `response.completed` (or `.incomplete` when
 * the token limit cut it, `.failed` when generation broke).
 */
import type { ChatChunk, ChatUsage } from '../chat-events.js'
import { newItemId } from './ids.js'
import type { OutputFunctionCall, OutputMessage, OutputReasoning, ResponseObject, ResponseStreamEvent, ResponseUsage, ResponsesRequest } from './schemas.js'

type Unsequenced = ResponseStreamEvent extends infer E ? (E extends ResponseStreamEvent ? Omit<E, 'sequence_number'> : never) : never
type Logprob = { token: string; logprob: number; bytes: number[]; top_logprobs: { token: string; logprob: number; bytes: number[] }[] }
type ChatLogprobs = NonNullable<NonNullable<ChatChunk['choices'][number]['logprobs']>['content']>

/** What the response object repeats of its request. */
export interface ResponseSeed {
  id: string
  /** Seconds since the epoch. */
  createdAt: number
  request: ResponsesRequest
  /** Node tag put into output item ids (ids.ts). @default none */
  itemTag?: string
}

/** The response object before any output: status `in_progress`. */
export function initialResponse(seed: ResponseSeed): ResponseObject {
  const r = seed.request
  return {
    id: seed.id,
    object: 'response',
    created_at: seed.createdAt,
    completed_at: null,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    model: r.model,
    output: [],
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: r.previous_response_id ?? null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: null },
    store: r.store ?? true,
    temperature: r.temperature ?? null,
    text: { format: r.text?.format ?? { type: 'text' } },
    tool_choice: r.tool_choice ?? 'auto',
    tools: r.tools ?? [],
    top_p: r.top_p ?? null,
    truncation: 'disabled',
    usage: null,
    user: r.user ?? null,
    metadata: r.metadata ?? {}
  }
}

/** Chat usage in the Responses shape. */
export function responseUsage(u: ChatUsage): ResponseUsage {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.total_tokens
  }
}

function logprobsOf(content: ChatLogprobs | null | undefined): Logprob[] {
  return (content ?? []).map((l) => ({
    token: l.token,
    logprob: l.logprob,
    bytes: l.bytes ?? [],
    top_logprobs: (l.top_logprobs ?? []).map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes ?? [] }))
  }))
}

/** Builds one response from the chat chunks of choice 0: `start`, `push` per chunk, then `finish` or `fail`. */
export class ResponseBuilder {
  /** The response as built so far; final once `finish` or `fail` ran. */
  readonly response: ResponseObject
  private seq = 0
  private text?: { item: OutputMessage; index: number; logprobs: Logprob[] }
  private thought?: { item: OutputReasoning; index: number }
  private call?: { item: OutputFunctionCall; index: number; chatIndex: number }
  private usage: ChatUsage | null = null
  private finishReason: string | null = null
  private readonly tag: string

  constructor(seed: ResponseSeed) {
    this.response = initialResponse(seed)
    this.tag = seed.itemTag ?? ''
  }

  /** Chat usage seen so far (the last chunk carries it). */
  get chatUsage(): ChatUsage | null {
    return this.usage
  }

  private emit(out: ResponseStreamEvent[], e: Unsequenced): void {
    const event = { ...e, sequence_number: this.seq++ } as ResponseStreamEvent
    // the response and its items keep changing after the event: those events carry snapshots; text
    // and argument deltas (one per token) hold only fresh values and are not copied
    out.push('delta' in event ? event : structuredClone(event))
  }

  /** `response.created` and `response.in_progress`. */
  start(): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = []
    this.emit(out, { type: 'response.created', response: this.response })
    this.emit(out, { type: 'response.in_progress', response: this.response })
    return out
  }

  /** The events of one chat chunk (choice 0). */
  push(chunk: ChatChunk): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = []
    if (chunk.usage) this.usage = chunk.usage
    for (const ch of chunk.choices) {
      if (ch.index !== 0) continue
      if (ch.delta.reasoning_content) this.addReasoning(out, ch.delta.reasoning_content)
      if (ch.delta.content) this.addText(out, ch.delta.content, logprobsOf(ch.logprobs?.content))
      for (const t of ch.delta.tool_calls ?? []) this.addCall(out, t.index, t.id, t.function?.name, t.function?.arguments)
      if (ch.finish_reason) this.finishReason = ch.finish_reason
    }
    return out
  }

  private addReasoning(out: ResponseStreamEvent[], delta: string): void {
    this.closeText(out, 'completed')
    this.closeCall(out, 'completed')
    if (!this.thought) {
      const item: OutputReasoning = { type: 'reasoning', id: newItemId('rs', this.tag), summary: [], content: [{ type: 'reasoning_text', text: '' }], status: 'in_progress' }
      this.thought = { item, index: this.response.output.push(item) - 1 }
      this.emit(out, { type: 'response.output_item.added', output_index: this.thought.index, item })
    }
    const part = this.thought.item.content[0]
    if (part) part.text += delta
    this.emit(out, { type: 'response.reasoning_text.delta', item_id: this.thought.item.id, output_index: this.thought.index, content_index: 0, delta })
  }

  private closeReasoning(out: ResponseStreamEvent[], status: OutputReasoning['status']): void {
    const t = this.thought
    if (!t) return
    this.thought = undefined
    this.emit(out, { type: 'response.reasoning_text.done', item_id: t.item.id, output_index: t.index, content_index: 0, text: t.item.content[0]?.text ?? '' })
    t.item.status = status
    this.emit(out, { type: 'response.output_item.done', output_index: t.index, item: t.item })
  }

  private addText(out: ResponseStreamEvent[], delta: string, logprobs: Logprob[]): void {
    this.closeReasoning(out, 'completed')
    this.closeCall(out, 'completed')
    this.openText(out)
    if (!this.text) return
    const part = this.text.item.content[0]
    if (part) part.text += delta
    this.text.logprobs.push(...logprobs)
    this.emit(out, { type: 'response.output_text.delta', item_id: this.text.item.id, output_index: this.text.index, content_index: 0, delta, logprobs })
  }

  private openText(out: ResponseStreamEvent[]): void {
    if (!this.text) {
      const item: OutputMessage = { type: 'message', id: newItemId('msg', this.tag), role: 'assistant', status: 'in_progress', content: [] }
      const index = this.response.output.push(item) - 1
      this.text = { item, index, logprobs: [] }
      this.emit(out, { type: 'response.output_item.added', output_index: index, item })
      item.content.push({ type: 'output_text', text: '', annotations: [], logprobs: [] })
      this.emit(out, { type: 'response.content_part.added', item_id: item.id, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } })
    }
  }

  private addCall(out: ResponseStreamEvent[], chatIndex: number, id: string | undefined, name: string | undefined, args: string | undefined): void {
    this.closeReasoning(out, 'completed')
    this.closeText(out, 'completed')
    if (this.call && this.call.chatIndex !== chatIndex) this.closeCall(out, 'completed')
    if (!this.call) {
      const item: OutputFunctionCall = { type: 'function_call', id: newItemId('fc', this.tag), call_id: id || newItemId('call'), name: name ?? '', arguments: '', status: 'in_progress' }
      const index = this.response.output.push(item) - 1
      this.call = { item, index, chatIndex }
      this.emit(out, { type: 'response.output_item.added', output_index: index, item })
    } else if (name) this.call.item.name += name
    if (args) {
      this.call.item.arguments += args
      this.emit(out, { type: 'response.function_call_arguments.delta', item_id: this.call.item.id, output_index: this.call.index, delta: args })
    }
  }

  private closeText(out: ResponseStreamEvent[], status: OutputMessage['status']): void {
    const t = this.text
    if (!t) return
    this.text = undefined
    const part = t.item.content[0] ?? { type: 'output_text', text: '', annotations: [], logprobs: [] }
    part.logprobs = t.logprobs
    this.emit(out, { type: 'response.output_text.done', item_id: t.item.id, output_index: t.index, content_index: 0, text: part.text, logprobs: t.logprobs })
    this.emit(out, { type: 'response.content_part.done', item_id: t.item.id, output_index: t.index, content_index: 0, part })
    t.item.status = status
    this.emit(out, { type: 'response.output_item.done', output_index: t.index, item: t.item })
  }

  private closeCall(out: ResponseStreamEvent[], status: OutputFunctionCall['status']): void {
    const c = this.call
    if (!c) return
    this.call = undefined
    this.emit(out, { type: 'response.function_call_arguments.done', item_id: c.item.id, output_index: c.index, name: c.item.name, arguments: c.item.arguments })
    c.item.status = status
    this.emit(out, { type: 'response.output_item.done', output_index: c.index, item: c.item })
  }

  /** Closes the open items and ends with `response.completed`, or `.incomplete` when cut by a limit. */
  finish(nowS: number): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = []
    const cut = this.finishReason === 'length' ? 'max_output_tokens' : this.finishReason === 'content_filter' ? 'content_filter' : undefined
    this.closeReasoning(out, cut ? 'incomplete' : 'completed')
    this.closeText(out, cut ? 'incomplete' : 'completed')
    this.closeCall(out, cut ? 'incomplete' : 'completed')
    // A model that ends at once still answers with an (empty) assistant message, as OpenAI does: clients
    // read `output[0]` and reference its id in the next turn.
    if (this.response.output.length === 0) {
      this.openText(out)
      this.closeText(out, cut ? 'incomplete' : 'completed')
    }
    const r = this.response
    r.status = cut ? 'incomplete' : 'completed'
    r.incomplete_details = cut ? { reason: cut } : null
    r.completed_at = cut ? null : nowS
    r.usage = this.usage ? responseUsage(this.usage) : null
    this.emit(out, { type: cut ? 'response.incomplete' : 'response.completed', response: r })
    return out
  }

  /** Ends with `response.failed` carrying `error` (generation broke after the stream started). */
  fail(error: { code: string; message: string }): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = []
    this.closeReasoning(out, 'incomplete')
    this.closeText(out, 'incomplete')
    this.closeCall(out, 'incomplete')
    const r = this.response
    r.status = 'failed'
    r.error = error
    r.usage = this.usage ? responseUsage(this.usage) : null
    this.emit(out, { type: 'response.failed', response: r })
    return out
  }
}
