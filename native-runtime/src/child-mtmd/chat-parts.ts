/**
 * Turns the runtime's chat messages into the binding's OpenAI-style messages: text split at each image's
 * offset, with the image as an `image_url` part naming its file (the binding replaces it with libmtmd's
 * media marker). Pure.
 */
import type { ChatImage } from '../protocol.js'

export type BindingPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } }
export interface BindingMessage {
  role: string
  content: string | BindingPart[]
}

/** Parts of one message, images placed at their offsets (`paths[i]` is the file of `images[i]`). */
export function partsOf(content: string, images: readonly ChatImage[], paths: readonly string[]): string | BindingPart[] {
  if (images.length === 0) return content
  const order = images.map((img, i) => ({ at: Math.min(img.at, content.length), path: paths[i] as string })).sort((a, b) => a.at - b.at)
  const parts: BindingPart[] = []
  let from = 0
  for (const { at, path } of order) {
    if (at > from) parts.push({ type: 'text', text: content.slice(from, at) })
    parts.push({ type: 'image_url', image_url: { url: path } })
    from = at
  }
  if (from < content.length) parts.push({ type: 'text', text: content.slice(from) })
  return parts
}

/** Roles the binding's templates know: `developer` is a system message there. */
export function bindingRole(role: string): string {
  return role === 'developer' ? 'system' : role
}
