/**
 * An OpenAI chat request as a Gemini `GenerateContentRequest` (sent to `streamGenerateContent?alt=sse`;
 * a non-streamed client answer is collected from the stream). System and developer messages become
 * `systemInstruction`; assistant turns are `model` turns with `functionCall` parts; tool results are
 * `functionResponse` parts named after the call they answer; images become `inlineData` (data URLs)
 * or `fileData` (URLs); sampling settings go to `generationConfig`.
 */
import type { ChatCompletionRequest } from '../../http/schemas/openai.js'
import { Turns, argsObject, assertNoAudio, assertOneChoice, imageOf, maxTokensOf, stopList, textOf, toolNamesById, type ContentPart } from '../content.js'

type Part = Record<string, unknown>

function partOf(part: ContentPart): Part | undefined {
  assertNoAudio('google', part)
  if (part.type === 'text') return part.text ? { text: part.text } : undefined
  if (part.type !== 'image_url') return undefined
  const img = imageOf(part)
  return img.kind === 'inline' ? { inlineData: { mimeType: img.mediaType, data: img.data } } : { fileData: { mimeType: img.mediaType, fileUri: img.url } }
}

/** JSON Schema keywords Gemini's function `parameters` (an OpenAPI subset) refuses. */
const UNSUPPORTED_SCHEMA_KEYS = new Set(['$schema', '$id', 'additionalProperties', 'strict'])

export function geminiSchemaOf(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(geminiSchemaOf)
  if (typeof schema !== 'object' || schema === null) return schema
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(schema)) if (!UNSUPPORTED_SCHEMA_KEYS.has(k)) out[k] = k === 'properties' && typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, geminiSchemaOf(s)])) : geminiSchemaOf(v)
  return out
}

/** A tool message's content as the `response` object Gemini wants (JSON objects as they are). */
function responseOf(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text)
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>
  } catch {
    // plain text result
  }
  return { content: text }
}

function toolConfigOf(b: ChatCompletionRequest): Record<string, unknown> | undefined {
  const tc = b.tool_choice
  if (tc == null || tc === 'auto') return undefined
  if (tc === 'none') return { functionCallingConfig: { mode: 'NONE' } }
  if (tc === 'required') return { functionCallingConfig: { mode: 'ANY' } }
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [tc.function.name] } }
}

export function geminiRequestOf(b: ChatCompletionRequest): Record<string, unknown> {
  assertOneChoice('google', b)
  const names = toolNamesById(b.messages)
  const system: string[] = []
  const turns = new Turns<'user' | 'model', Part>()
  const push = turns.push.bind(turns)
  for (const m of b.messages) {
    if (m.role === 'system' || m.role === 'developer') system.push(textOf(m.content))
    else if (m.role === 'tool') {
      const id = m.tool_call_id ?? ''
      push('user', [{ functionResponse: { ...(id ? { id } : {}), name: names.get(id) ?? m.name ?? 'tool', response: responseOf(textOf(m.content)) } }])
    } else if (m.role === 'assistant') {
      const parts: Part[] = []
      const text = textOf(m.content)
      if (text) parts.push({ text })
      for (const c of m.tool_calls ?? []) parts.push({ functionCall: { ...(c.id ? { id: c.id } : {}), name: c.function.name, args: argsObject(c.function.arguments) } })
      push('model', parts)
    } else push('user', typeof m.content === 'string' ? [{ text: m.content }] : (m.content ?? []).map(partOf).filter((x): x is Part => x !== undefined))
  }
  const gen: Record<string, unknown> = {}
  if (b.temperature != null) gen.temperature = b.temperature
  if (b.top_p != null) gen.topP = b.top_p
  const max = maxTokensOf(b)
  if (max !== undefined) gen.maxOutputTokens = max
  const stop = stopList(b.stop)
  if (stop?.length) gen.stopSequences = stop
  if (b.seed != null) gen.seed = b.seed
  if (b.presence_penalty != null) gen.presencePenalty = b.presence_penalty
  if (b.frequency_penalty != null) gen.frequencyPenalty = b.frequency_penalty
  if (b.response_format?.type === 'json_object' || b.response_format?.type === 'json_schema') gen.responseMimeType = 'application/json'
  const out: Record<string, unknown> = { contents: turns.list.map((t) => ({ role: t.role, parts: t.items })) }
  if (system.length) out.systemInstruction = { parts: [{ text: system.join('\n\n') }] }
  if (b.tools?.length) out.tools = [{ functionDeclarations: b.tools.map((t) => ({ name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), ...(t.function.parameters ? { parameters: geminiSchemaOf(t.function.parameters) } : {}) })) }]
  const tc = toolConfigOf(b)
  if (tc) out.toolConfig = tc
  if (Object.keys(gen).length) out.generationConfig = gen
  return out
}
