/**
 * Attaches a chat body's images to the runtime's messages: every `image_url` part loaded (decoded or
 * fetched, a few at a time) and placed at its offset in its message's text.
 */
import type { ChatMessage } from '../../../native-runtime/src/index.js'
import { InvalidRequestError } from '../errors/errors.js'
import type { ImageRef } from '../inference/chat-prompt.js'
import { loadImage, type ImageInputDeps } from './image-input.js'

/** Most images in one request (the runtime protocol's limit). */
export const MAX_IMAGES_PER_REQUEST = 16
/** Image URLs fetched at the same time for one request. */
const FETCH_CONCURRENCY = 4

/** Returns `messages` with their images; throws a 400 for a bad image or too many. */
export async function withImages(messages: ChatMessage[], refs: readonly ImageRef[], deps: ImageInputDeps, signal?: AbortSignal): Promise<ChatMessage[]> {
  if (refs.length === 0) return messages
  if (refs.length > MAX_IMAGES_PER_REQUEST) throw new InvalidRequestError(`At most ${MAX_IMAGES_PER_REQUEST} images per request; this one has ${refs.length}`, 'messages')
  const loaded = new Array<Awaited<ReturnType<typeof loadImage>>>(refs.length)
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < refs.length; i = next++) {
      const r = refs[i] as ImageRef
      loaded[i] = await loadImage(r.url, r.param, deps, signal)
    }
  }
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, refs.length) }, worker))
  const out = messages.map((m) => ({ ...m }))
  refs.forEach((r, i) => {
    const m = out[r.message] as ChatMessage
    m.images = [...(m.images ?? []), { at: r.at, ...(loaded[i] as Awaited<ReturnType<typeof loadImage>>) }]
  })
  return out
}
