/**
 * Maps Ollama's chat and generate requests onto the one internal generation request, an OpenAI Chat
 * Completions body. Pure: unit-tested without a node.
 *
 * - `options`: temperature, top_p, top_k, seed, stop, presence/frequency penalty as they are;
 *   `num_predict` > 0 → `max_tokens` (−1 and −2 mean "no limit" in Ollama); `num_ctx` is ignored
 *   (the context size is the serving node's);
 * - `format: "json"` → `response_format: json_object`; a schema → `json_schema`;
 * - `images` (bare base64) → `image_url` data-URL parts, so vision routing applies;
 * - assistant `tool_calls` (arguments as objects) → chat tool calls (arguments as JSON text);
 * - a model name's `:latest` tag is dropped (llmlb model ids carry no tag).
 */
import type { OllamaChatMessage, OllamaChatRequest, OllamaGenerateRequest, Options } from './schemas.js'

/** The llmlb model id of an Ollama model name. */
export const modelIdOf = (name: string): string => (name.endsWith(':latest') ? name.slice(0, -':latest'.length) : name)

/** The image type of base64 data, from its first bytes (Ollama sends no type). */
export function imageMimeOf(b64: string): string {
  if (b64.startsWith('/9j/')) return 'image/jpeg'
  if (b64.startsWith('R0lGOD')) return 'image/gif'
  if (b64.startsWith('UklGR')) return 'image/webp'
  return 'image/png'
}

/** An image as Ollama sends it (bare base64, or already a data URL) → a chat image part. */
const imagePart = (img: string): Record<string, unknown> => ({
  type: 'image_url',
  image_url: { url: img.startsWith('data:') ? img : `data:${imageMimeOf(img)};base64,${img}` }
})

function contentOf(text: string, images: readonly string[] | null | undefined): unknown {
  if (!images || images.length === 0) return text
  return [...(text ? [{ type: 'text', text }] : []), ...images.map(imagePart)]
}

function messageOf(m: OllamaChatMessage, i: number): Record<string, unknown> {
  if (m.role === 'assistant' && m.tool_calls && m.tool_calls.length > 0) {
    return {
      role: 'assistant',
      content: m.content || null,
      tool_calls: m.tool_calls.map((c, j) => ({ id: `call_${i}_${j}`, type: 'function', function: { name: c.function.name, arguments: JSON.stringify(c.function.arguments ?? {}) } }))
    }
  }
  if (m.role === 'tool') return { role: 'tool', content: m.content, ...(m.tool_name ? { name: m.tool_name } : {}) }
  return { role: m.role, content: contentOf(m.content, m.images) }
}

/** Sampling, stopping and output format of a request. */
export function samplingOf(options: Options | undefined, format: OllamaChatRequest['format']): Record<string, unknown> {
  const o = options ?? {}
  const out: Record<string, unknown> = {}
  if (o.temperature !== undefined) out.temperature = o.temperature
  if (o.top_p !== undefined) out.top_p = o.top_p
  if (o.top_k !== undefined) out.top_k = o.top_k
  if (o.seed !== undefined) out.seed = o.seed
  if (o.stop && o.stop.length > 0) out.stop = o.stop
  if (o.presence_penalty !== undefined) out.presence_penalty = o.presence_penalty
  if (o.frequency_penalty !== undefined) out.frequency_penalty = o.frequency_penalty
  if (o.num_predict !== undefined && o.num_predict > 0) out.max_tokens = o.num_predict
  if (format === 'json') out.response_format = { type: 'json_object' }
  else if (typeof format === 'object') out.response_format = { type: 'json_schema', json_schema: { name: 'format', schema: format, strict: true } }
  return out
}

/** The chat body of an `/api/chat` request. */
export function chatRequestOf(req: OllamaChatRequest): Record<string, unknown> {
  const out: Record<string, unknown> = { model: modelIdOf(req.model), messages: req.messages.map(messageOf), ...samplingOf(req.options, req.format) }
  if (req.tools && req.tools.length > 0) out.tools = req.tools
  return out
}

/** The chat body of an `/api/generate` request: its system and prompt as a two-message conversation. */
export function generateRequestOf(req: OllamaGenerateRequest): Record<string, unknown> {
  const messages: Record<string, unknown>[] = []
  if (req.system) messages.push({ role: 'system', content: req.system })
  messages.push({ role: 'user', content: contentOf(req.prompt, req.images) })
  return { model: modelIdOf(req.model), messages, ...samplingOf(req.options, req.format) }
}
