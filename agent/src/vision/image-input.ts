/**
 * Turns an `image_url` value into image bytes for the runtime: a `data:` URL is decoded, an `http(s)` URL
 * fetched through the guarded fetcher. Either way the bytes must look like an image (magic numbers), so a
 * text file never reaches llama.cpp; whether the image then decodes is the runtime's check.
 */
import type { ChatImage } from '../../../native-runtime/src/index.js'
import { GuardedFetchError, type GuardedFetcher } from './guarded-fetch.js'
import { InvalidImageInputError, InvalidImageUrlError } from './image-errors.js'

/** Image types named by their first bytes; what libmtmd (stb_image) decodes. */
const SIGNATURES: [mime: string, test: (b: Buffer) => boolean][] = [
  ['image/png', (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['image/jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
  ['image/bmp', (b) => b.subarray(0, 2).toString('latin1') === 'BM'],
  ['image/webp', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP']
]

/** The image type of `bytes` from its signature, or undefined when it is none of the known ones. */
export function sniffImage(bytes: Buffer): string | undefined {
  return SIGNATURES.find(([, test]) => test(bytes))?.[0]
}

/** Limits and the fetcher used for image URLs. */
export interface ImageInputDeps {
  fetcher: GuardedFetcher
  maxBytes: number
}

/** Resolves one image URL to its bytes (base64) and type, or throws a 400 naming `param`. */
export async function loadImage(url: string, param: string, deps: ImageInputDeps, signal?: AbortSignal): Promise<Omit<ChatImage, 'at'>> {
  let bytes: Buffer
  if (url.startsWith('data:')) {
    const m = /^data:([^;,]*)((?:;[^;,]*)*),/.exec(url)
    if (!m || !m[2]?.split(';').includes('base64')) throw new InvalidImageInputError('a data URL must be base64 (data:image/png;base64,...)', param)
    if (!m[1]?.toLowerCase().startsWith('image/')) throw new InvalidImageInputError(`a data URL of type '${m[1] || 'none'}' is not an image`, param)
    const b64 = url.slice(m[0].length)
    if (b64.length * 0.75 > deps.maxBytes + 3) throw new InvalidImageInputError(`the image is over the limit of ${deps.maxBytes} bytes`, param)
    bytes = Buffer.from(b64, 'base64')
  } else {
    try {
      bytes = (await deps.fetcher.fetch(url, (type) => type.startsWith('image/'), signal)).bytes
    } catch (err) {
      if (err instanceof GuardedFetchError) throw new InvalidImageUrlError(err.message, param)
      throw err
    }
  }
  const mime = sniffImage(bytes)
  if (mime === undefined) throw new InvalidImageInputError('the bytes are not a PNG, JPEG, GIF, BMP or WebP image', param)
  return { mime, data: bytes.toString('base64') }
}
