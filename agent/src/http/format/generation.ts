/**
 * Turns runtime generations (one event stream per choice) into OpenAI chat/completion bodies, JSON or
 * SSE: answer text, `reasoning_content`, `tool_calls`, logprobs, one entry per choice (`n`). The only
 * place that knows the OpenAI response shapes of text generation.
 */
import { randomBytes } from 'node:crypto'
import type { FinishReason, GenerationEvent, TokenLogprob } from '../../../../native-runtime/src/index.js'
import { sseData, SSE_DONE } from '../../inference/http-result.js'
import { renderError } from '../../errors/render.js'

export type GenerationApi = 'chat' | 'completion'

/** Identity of one response, shared by every chunk of a stream. */
export interface GenerationMeta {
  api: GenerationApi
  id: string
  model: string
  created: number
  includeUsage: boolean
  /** Logprobs were asked for: choices carry them (else `logprobs: null`). */
  logprobs?: boolean
}

/** An event of one choice's generation. */
export interface ChoiceEvent {
  index: number
  event: GenerationEvent
}

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  /** OpenAI's shape: prompt tokens served from the KV cache of an earlier request with the same prefix. */
  prompt_tokens_details: { cached_tokens: number }
}

type End = Extract<GenerationEvent, { type: 'end' }>

/** Usage of a response: the prompt once, the completions of every choice summed. */
function usageOf(ends: readonly End[]): Usage {
  const first = ends[0]
  const prompt = first?.promptTokens ?? 0
  const completion = ends.reduce((n, e) => n + e.completionTokens, 0)
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: first?.cachedTokens ?? 0 } }
}

/** Creates a response id with the prefix OpenAI uses for this API. */
export const newResponseId = (api: GenerationApi, requestId: string): string => `${api === 'chat' ? 'chatcmpl' : 'cmpl'}-${requestId.replace(/[^A-Za-z0-9]/g, '').slice(0, 32)}`

/** A tool call id in OpenAI's style. */
const newCallId = (): string => `call_${randomBytes(12).toString('base64url')}`

const chatLogprobs = (l: readonly TokenLogprob[]): Record<string, unknown>[] =>
  l.map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes, top_logprobs: t.top }))

/** The legacy completions logprobs object, with text offsets counted from `offset`. */
function completionLogprobs(l: readonly TokenLogprob[], offset: number): Record<string, unknown> {
  const offsets: number[] = []
  let at = offset
  for (const t of l) {
    offsets.push(at)
    at += t.token.length
  }
  return {
    tokens: l.map((t) => t.token),
    token_logprobs: l.map((t) => t.logprob),
    top_logprobs: l.map((t) => Object.fromEntries(t.top.map((a) => [a.token, a.logprob]))),
    text_offset: offsets
  }
}

function chunk(meta: GenerationMeta, choices: unknown[], usage?: Usage | null): Record<string, unknown> {
  return {
    id: meta.id,
    object: meta.api === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices,
    ...(usage === undefined ? {} : { usage })
  }
}

/** What one choice amounts to once collected. */
interface Collected {
  text: string
  reasoning: string
  calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[]
  logprobs: TokenLogprob[]
  end?: End
}

/** Collects whole generations into one OpenAI JSON body. */
export async function collectGeneration(meta: GenerationMeta, events: AsyncIterable<ChoiceEvent>): Promise<Record<string, unknown>> {
  const choices: Collected[] = []
  for await (const { index, event: ev } of events) {
    const c = (choices[index] ??= { text: '', reasoning: '', calls: [], logprobs: [] })
    if (ev.type === 'text') {
      if (ev.channel === 'reasoning') c.reasoning += ev.text
      else c.text += ev.text
      if (ev.logprobs) c.logprobs.push(...ev.logprobs)
    } else if (ev.type === 'toolCall') c.calls.push({ id: newCallId(), type: 'function', function: { name: ev.name, arguments: ev.arguments } })
    else if (ev.type === 'end') c.end = ev
  }
  const ends = choices.map((c) => c.end)
  if (choices.length === 0 || ends.some((e) => e === undefined)) throw new Error('generation ended without an end event')
  const body = choices.map((c, index) => {
    const finish = (c.end as End).finishReason
    if (meta.api === 'completion') return { index, text: c.text, logprobs: meta.logprobs ? completionLogprobs(c.logprobs, 0) : null, finish_reason: finish }
    const message = {
      role: 'assistant',
      content: c.text === '' && c.calls.length > 0 ? null : c.text,
      ...(c.reasoning === '' ? {} : { reasoning_content: c.reasoning }),
      ...(c.calls.length === 0 ? {} : { tool_calls: c.calls }),
      refusal: null
    }
    return { index, message, logprobs: meta.logprobs ? { content: chatLogprobs(c.logprobs), refusal: null } : null, finish_reason: finish }
  })
  return {
    id: meta.id,
    object: meta.api === 'chat' ? 'chat.completion' : 'text_completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices: body,
    usage: usageOf(ends as End[])
  }
}

/** Per-choice stream state. */
interface StreamState {
  started: boolean
  calls: number
  offset: number
}

/**
 * The OpenAI stream chunks (`chat.completion.chunk` / `text_completion` objects) of generations, one
 * event at a time; every chunk names its choice `index`. A choice's last chunk carries its
 * `finish_reason`; the last one of the response also `usage`, or with `stream_options.include_usage`
 * a usage-only chunk (empty `choices`) follows, as OpenAI sends it.
 */
export function streamChunker(meta: GenerationMeta, choices = 1): (e: ChoiceEvent) => Record<string, unknown>[] {
  const states: StreamState[] = []
  const ends: End[] = []
  const usageField = meta.includeUsage ? null : undefined
  const piece = (index: number, delta: Record<string, unknown>, logprobs: readonly TokenLogprob[] | undefined, finish: FinishReason | null): Record<string, unknown> => {
    const s = (states[index] ??= { started: false, calls: 0, offset: 0 })
    if (meta.api === 'completion') {
      const text = (delta.content as string | undefined) ?? ''
      const lp = meta.logprobs ? completionLogprobs(logprobs ?? [], s.offset) : null
      s.offset += text.length
      return { index, text, logprobs: lp, finish_reason: finish }
    }
    const d = s.started ? delta : { role: 'assistant', ...delta, ...('content' in delta || 'tool_calls' in delta ? {} : { content: '' }) }
    s.started = true
    return { index, delta: d, logprobs: meta.logprobs && logprobs ? { content: chatLogprobs(logprobs), refusal: null } : null, finish_reason: finish }
  }
  return ({ index, event: ev }) => {
    if (ev.type === 'text') {
      if (ev.channel === 'reasoning' && meta.api === 'completion') return []
      const delta = ev.channel === 'reasoning' ? { reasoning_content: ev.text } : { content: ev.text }
      return [chunk(meta, [piece(index, delta, ev.logprobs, null)], usageField)]
    }
    if (ev.type === 'toolCall') {
      const s = (states[index] ??= { started: false, calls: 0, offset: 0 })
      const call = { index: s.calls++, id: newCallId(), type: 'function', function: { name: ev.name, arguments: ev.arguments } }
      return [chunk(meta, [piece(index, { tool_calls: [call] }, undefined, null)], usageField)]
    }
    if (ev.type !== 'end') return []
    const out: Record<string, unknown>[] = []
    ends.push(ev)
    const last = ends.length === choices
    if (meta.api === 'chat' && !(states[index]?.started ?? false)) out.push(chunk(meta, [piece(index, {}, undefined, null)], usageField))
    out.push(chunk(meta, [piece(index, {}, undefined, ev.finishReason)], meta.includeUsage || !last ? usageField : usageOf(ends)))
    if (last && meta.includeUsage) out.push(chunk(meta, [], usageOf(ends)))
    return out
  }
}

/**
 * Streams generations as OpenAI SSE (the chunks of `streamChunker`). The chunks of one event leave as
 * one piece (one socket write). A failure after the first byte ends the stream with one error event
 * (the status is already sent).
 */
export async function* streamGeneration(meta: GenerationMeta, events: AsyncIterable<ChoiceEvent>, choices = 1): AsyncGenerator<string> {
  const step = streamChunker(meta, choices)
  try {
    for await (const e of events) {
      const out = step(e)
      if (out.length === 1) yield sseData(out[0])
      else if (out.length > 1) yield out.map(sseData).join('')
    }
    yield SSE_DONE
  } catch (err) {
    yield sseData(renderError(err).body)
  }
}

/**
 * The same stream as chunk objects, for a protocol translator on this node: it reads these instead of
 * parsing the SSE text back. A failure after the first chunk is thrown (the translator ends its own
 * stream with it).
 */
export async function* chunkObjects(meta: GenerationMeta, events: AsyncIterable<ChoiceEvent>, choices = 1): AsyncGenerator<Record<string, unknown>> {
  const step = streamChunker(meta, choices)
  for await (const e of events) for (const c of step(e)) yield c
}
