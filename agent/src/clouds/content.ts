/**
 * Pieces of an OpenAI chat request that every translation reads the same way: the text of a message,
 * its images (data URLs split into media type and base64, or a plain URL), tool-call names by id.
 */
import type { ChatCompletionRequest, ChatMessageBody } from '../http/schemas/openai.js'
import { InvalidRequestError } from '../errors/errors.js'

export type ContentPart = NonNullable<Exclude<ChatMessageBody['content'], string | null>>[number]

/** An image of a message: inline bytes (from a data URL) or a URL the provider fetches. */
export type ImageRef = { kind: 'inline'; mediaType: string; data: string } | { kind: 'url'; url: string; mediaType: string }

const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+);base64,(.*)$/is

/** Media type guessed from a URL's extension (Gemini's fileData needs one). */
function mediaTypeOfUrl(url: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase()
  return ext === 'png' ? 'image/png' : ext === 'gif' ? 'image/gif' : ext === 'webp' ? 'image/webp' : 'image/jpeg'
}

export function imageOf(part: Extract<ContentPart, { type: 'image_url' }>): ImageRef {
  const url = typeof part.image_url === 'string' ? part.image_url : part.image_url.url
  const m = DATA_URL.exec(url)
  if (m?.[1] && m[2] !== undefined) return { kind: 'inline', mediaType: m[1].toLowerCase(), data: m[2] }
  if (/^https?:\/\//i.test(url)) return { kind: 'url', url, mediaType: mediaTypeOfUrl(url) }
  throw new InvalidRequestError('image_url must be a base64 data URL or an http(s) URL', 'messages')
}

/** The text of a message's content (text parts joined; other parts ignored). */
export function textOf(content: ChatMessageBody['content']): string {
  if (typeof content === 'string') return content
  return (content ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('')
}

/** Rejects parts a provider cannot take (audio) with a clear 400. */
export function assertNoAudio(provider: string, part: ContentPart): void {
  if (part.type === 'input_audio') throw new InvalidRequestError(`${provider} models do not take input_audio through llmlb`, 'messages')
}

/** Tool names by call id, from the assistant messages of the history (tool results name only the id). */
export function toolNamesById(messages: ChatCompletionRequest['messages']): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of messages) for (const c of m.tool_calls ?? []) if (c.id) out.set(c.id, c.function.name)
  return out
}

/** `stop` as a list. */
export const stopList = (stop: ChatCompletionRequest['stop']): string[] | undefined => (stop == null ? undefined : typeof stop === 'string' ? [stop] : stop)

/** max_completion_tokens, else max_tokens. */
export const maxTokensOf = (b: ChatCompletionRequest): number | undefined => b.max_completion_tokens ?? b.max_tokens ?? undefined

/** One choice only: the translated providers stream a single candidate per request here. */
export function assertOneChoice(provider: string, b: ChatCompletionRequest): void {
  if ((b.n ?? 1) > 1) throw new InvalidRequestError(`n > 1 is not supported for ${provider} models`, 'n')
}

/** A tool call's arguments as an object (unparsable text becomes `{}`): the same rule as the Anthropic route's. */
export { toolInputOf as argsObject } from '../protocols/anthropic/format.js'

/** Conversation turns where consecutive items of one role merge (Anthropic and Gemini want roles to alternate). */
export class Turns<R extends string, B> {
  readonly list: { role: R; items: B[] }[] = []

  push(role: R, items: B[]): void {
    if (items.length === 0) return
    const last = this.list.at(-1)
    if (last?.role === role) last.items.push(...items)
    else this.list.push({ role, items })
  }
}
