import { describe, expect, it } from 'vitest'
import { GuardedFetcher, loadImage, sniffImage } from '../../../../agent/src/vision/index.js'
import { imageRefsOf } from '../../../../agent/src/inference/chat-prompt.js'
import { partsOf } from '../../../../native-runtime/src/child-mtmd/chat-parts.js'
import { pngImage } from '../../../../scripts/test-png.js'
import type { ChatCompletionRequest } from '../../../../agent/src/http/schemas/openai.js'

const deps = { fetcher: new GuardedFetcher({ maxBytes: 1_000, timeoutMs: 1_000, allow: [] }), maxBytes: 1_000 }
const PNG = pngImage(8, 8)

describe('loadImage (data URLs)', () => {
  it('decodes a base64 image data URL and types it from its bytes', async () => {
    const img = await loadImage(`data:image/jpeg;base64,${PNG.toString('base64')}`, 'p', deps)
    expect(img.mime).toBe('image/png')
    expect(Buffer.from(img.data, 'base64').equals(PNG)).toBe(true)
  })
  it('refuses non-base64, non-image types, bytes that are no image and data over the limit, naming the param', async () => {
    await expect(loadImage('data:image/png,rawtext', 'p1', deps)).rejects.toMatchObject({ code: 'invalid_image', param: 'p1' })
    await expect(loadImage(`data:text/plain;base64,${PNG.toString('base64')}`, 'p2', deps)).rejects.toMatchObject({ code: 'invalid_image', param: 'p2' })
    await expect(loadImage(`data:image/png;base64,${Buffer.from('hello').toString('base64')}`, 'p3', deps)).rejects.toMatchObject({ code: 'invalid_image' })
    await expect(loadImage(`data:image/png;base64,${Buffer.alloc(2_000).toString('base64')}`, 'p4', deps)).rejects.toMatchObject({ code: 'invalid_image', message: expect.stringMatching(/over the limit/) })
  })
  it('turns a refused URL into invalid_image_url', async () => {
    await expect(loadImage('http://10.0.0.1/x.png', 'p5', deps)).rejects.toMatchObject({ code: 'invalid_image_url', param: 'p5' })
  })
  it('knows the signatures llama.cpp can be given', () => {
    expect(sniffImage(PNG)).toBe('image/png')
    expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg')
    expect(sniffImage(Buffer.from('GIF89a'))).toBe('image/gif')
    expect(sniffImage(Buffer.from('BM....'))).toBe('image/bmp')
    expect(sniffImage(Buffer.from('plain'))).toBeUndefined()
  })
})

describe('image offsets', () => {
  it('places each image part at its offset in the joined text, and splits the text there again', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'sys' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'ab' },
            { type: 'image_url', image_url: { url: 'data:1' } },
            { type: 'text', text: 'cd' },
            { type: 'image_url', image_url: 'data:2' }
          ]
        }
      ]
    } as unknown as ChatCompletionRequest
    const refs = imageRefsOf(body)
    expect(refs).toEqual([
      { message: 1, at: 2, url: 'data:1', param: 'messages[1].content[1].image_url' },
      { message: 1, at: 4, url: 'data:2', param: 'messages[1].content[3].image_url' }
    ])
    const images = refs.map((r) => ({ at: r.at, mime: 'image/png', data: 'x' }))
    expect(partsOf('abcd', images, ['/a', '/b'])).toEqual([
      { type: 'text', text: 'ab' },
      { type: 'image_url', image_url: { url: '/a' } },
      { type: 'text', text: 'cd' },
      { type: 'image_url', image_url: { url: '/b' } }
    ])
    expect(partsOf('plain', [], [])).toBe('plain')
  })
})
