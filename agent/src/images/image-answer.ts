/**
 * The images API's answer (`{created, data: [{b64_json | url, revised_prompt?}], …}`): read whole with a
 * bound, checked, counted (statistics count images), and turned into this node's URLs when the client
 * asked for `url`: the base64 images are stored here and named by the address the client used.
 */
import { z } from 'zod'
import { AgentError } from '../errors/errors.js'
import { sniffImage } from '../vision/index.js'
import type { ImageStore } from './image-store.js'

/** Largest images answer read (bytes): ten large base64 PNGs fit. */
export const MAX_IMAGES_ANSWER_BYTES = 64 * 1024 * 1024

const ImagesAnswerSchema = z.looseObject({
  created: z.number(),
  data: z.array(z.looseObject({ b64_json: z.string().optional(), url: z.string().optional(), revised_prompt: z.string().optional() })).max(64)
})
export type ImagesAnswer = z.infer<typeof ImagesAnswerSchema>

/** The whole body as text; past `max` bytes it is a malformed answer. */
export async function readAnswer(body: AsyncIterable<string | Uint8Array>, max = MAX_IMAGES_ANSWER_BYTES): Promise<string> {
  const parts: Buffer[] = []
  let size = 0
  for await (const c of body) {
    const b = typeof c === 'string' ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength)
    size += b.byteLength
    if (size > max) throw new AgentError('protocol_error', `The images answer is larger than ${max} bytes`)
    parts.push(b)
  }
  return Buffer.concat(parts).toString('utf8')
}

/** Parses a 2xx answer; anything but OpenAI's images shape is a 502. */
export function parseAnswer(text: string, from: string): ImagesAnswer {
  try {
    return ImagesAnswerSchema.parse(JSON.parse(text))
  } catch {
    throw new AgentError('protocol_error', `${from} answered an image request with a body that is not an images answer`)
  }
}

/**
 * The answer with each base64 image stored here and replaced by its URL under `origin` (the
 * scheme://host the client reached this node by). An image the store cannot keep (larger than its
 * whole byte bound) stays base64, so the client still gets it.
 */
export function withUrls(answer: ImagesAnswer, store: ImageStore, origin: string): ImagesAnswer {
  const data = answer.data.map((item) => {
    if (item.b64_json === undefined) return item
    const bytes = Buffer.from(item.b64_json, 'base64')
    const id = store.put(bytes, sniffImage(bytes) ?? 'application/octet-stream')
    if (!id) return item
    const { b64_json: _, ...rest } = item
    return { ...rest, url: `${origin}/v1/images/files/${id}` }
  })
  return { ...answer, data }
}
