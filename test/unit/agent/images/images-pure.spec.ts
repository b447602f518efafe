/**
 * The pure parts of image generation: the URL store's bounds and expiry (injected clock), the request
 * schemas and multipart parsing (a bad field or a non-image upload is a 400 naming it), the job encoded
 * for a backend (base64 asked, dropped for GPT image models), and answers turned into URLs.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { encodeImageJob, providerModelCapabilities } from '../../../../agent/src/backends/index.js'
import { ImageStore } from '../../../../agent/src/images/index.js'
import { parseAnswer, withUrls } from '../../../../agent/src/images/image-answer.js'
import { acceptImageFile, generationRequest, ImageGenerationRequestSchema, jobWithFiles, parseImageForm, type ImageRequest } from '../../../../agent/src/images/image-request.js'
import { readMultipart, removeForm, UploadSpool } from '../../../../agent/src/uploads/index.js'
import { parseBody } from '../../../../agent/src/http/schemas/parse-body.js'
import { tinyPng } from '../../../../scripts/mock-engines/png.js'
import { decodePng } from '../../../helpers/png.js'

async function form(entries: [string, string | Blob, string?][]): Promise<{ body: Uint8Array; type: string }> {
  const f = new FormData()
  for (const [k, v, name] of entries) (typeof v === 'string' ? f.append(k, v) : f.append(k, v, name ?? 'x.png'))
  const r = new Response(f)
  return { body: new Uint8Array(await r.arrayBuffer()), type: r.headers.get('content-type') as string }
}

const spool = new UploadSpool()
afterAll(() => spool.close())

/** A multipart body parsed as the routes do (the files spooled), then validated; the spool is emptied after. */
async function parseForm(op: 'edits' | 'variations', body: Uint8Array, type: string): Promise<ImageRequest> {
  const parsed = await readMultipart([body], type, { spool, maxBytes: 1 << 24, accept: acceptImageFile })
  try {
    const req = await parseImageForm(op, parsed)
    return { ...req, job: await jobWithFiles(req) }
  } finally {
    await removeForm(parsed)
  }
}

const png = (seed: string): Blob => new Blob([new Uint8Array(tinyPng(seed))], { type: 'image/png' })

describe('ImageStore', () => {
  it('serves an image until its time is up, then never again', () => {
    let t = 1_000
    const store = new ImageStore({ ttlMs: 60_000, maxImages: 10, maxBytes: 1_000 }, () => t)
    const id = store.put(new Uint8Array(10), 'image/png') as string
    expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(store.get(id)?.contentType).toBe('image/png')
    t += 59_999
    expect(store.get(id)).toBeDefined()
    t += 1
    expect(store.get(id)).toBeUndefined()
    expect(store.stats()).toEqual({ images: 0, bytes: 0 })
  })

  it('drops the oldest past its count or byte bound, and refuses an image larger than the whole bound', () => {
    const store = new ImageStore({ ttlMs: 60_000, maxImages: 2, maxBytes: 100 })
    const first = store.put(new Uint8Array(40), 'image/png') as string
    const second = store.put(new Uint8Array(40), 'image/png') as string
    const third = store.put(new Uint8Array(40), 'image/png') as string
    expect(store.get(first)).toBeUndefined()
    expect(store.get(second)).toBeDefined()
    const big = store.put(new Uint8Array(70), 'image/png') as string
    expect(store.get(second)).toBeUndefined()
    expect(store.get(third)).toBeUndefined()
    expect(store.get(big)).toBeDefined()
    expect(store.put(new Uint8Array(101), 'image/png')).toBeUndefined()
    expect(store.stats()).toEqual({ images: 1, bytes: 70 })
  })
})

describe('image requests', () => {
  it('validates generation fields and defaults the answer format as OpenAI does', () => {
    const ok = generationRequest(parseBody(ImageGenerationRequestSchema, { model: 'sd', prompt: 'p', n: 2, size: '256x256', quality: 'hd' }))
    expect(ok).toMatchObject({ model: 'sd', responseFormat: 'url', job: { op: 'generations', fields: { prompt: 'p', n: 2, size: '256x256', quality: 'hd' } } })
    expect(generationRequest(parseBody(ImageGenerationRequestSchema, { model: 'openai:gpt-image-1', prompt: 'p' })).responseFormat).toBe('b64_json')
    for (const [bad, param] of [[{ size: '10x10' }, 'size'], [{ n: 11 }, 'n'], [{ n: 1.5 }, 'n'], [{ response_format: 'png' }, 'response_format'], [{ prompt: undefined }, 'prompt'], [{ stream: true }, 'stream']] as const) {
      expect(() => parseBody(ImageGenerationRequestSchema, { model: 'sd', prompt: 'p', ...bad }), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'invalid_request', param }))
    }
  })

  it('parses an edit form with its image and mask, keeping only their sizes for history', async () => {
    const { body, type } = await form([['model', 'sd'], ['prompt', 'boat'], ['n', '2'], ['image', png('a'), 'a.png'], ['mask', png('m'), 'm.png']])
    const req = await parseForm('edits', body, type)
    expect(req.job.fields).toEqual({ prompt: 'boat', n: 2 })
    expect(req.job.files.map((f) => [f.field, f.type])).toEqual([['image', 'image/png'], ['mask', 'image/png']])
    expect(JSON.stringify(req.summary)).not.toContain('PNG')
    expect(req.summary.files).toEqual([{ field: 'image', name: 'a.png', bytes: tinyPng('a').length }, { field: 'mask', name: 'm.png', bytes: tinyPng('m').length }])
  })

  it('refuses a non-image upload, a missing image, a mask on a variation and a bad field', async () => {
    const text = new Blob(['plain text'], { type: 'image/png' })
    const cases: [Parameters<typeof parseImageForm>[0], [string, string | Blob, string?][], Record<string, unknown>][] = [
      ['edits', [['model', 'sd'], ['prompt', 'x'], ['image', text]], { code: 'invalid_image', param: 'image' }],
      ['edits', [['model', 'sd'], ['prompt', 'x']], { code: 'invalid_request', param: 'image' }],
      ['edits', [['model', 'sd'], ['image', png('a')]], { code: 'invalid_request', param: 'prompt' }],
      ['variations', [['model', 'sd'], ['image', png('a')], ['mask', png('m')]], { code: 'invalid_request', param: 'mask' }],
      ['variations', [['model', 'sd'], ['image', png('a')], ['size', '3x3']], { code: 'invalid_request', param: 'size' }],
      ['variations', [['model', 'sd'], ['image', png('a')], ['n', '0']], { code: 'invalid_request', param: 'n' }]
    ]
    for (const [op, entries, want] of cases) {
      const { body, type } = await form(entries)
      await expect(parseForm(op, body, type), JSON.stringify(want)).rejects.toMatchObject(want)
    }
    await expect(parseForm('edits', new TextEncoder().encode('not multipart'), 'multipart/form-data; boundary=x')).rejects.toMatchObject({ code: 'invalid_request' })
  })
})

describe('jobs and answers', () => {
  it('asks a backend for base64 under its own model name, without response_format for GPT image models', async () => {
    const json = await encodeImageJob({ op: 'generations', fields: { prompt: 'p', response_format: 'url' }, files: [] }, 'dall-e-3')
    expect(JSON.parse(new TextDecoder().decode(json.body))).toEqual({ prompt: 'p', response_format: 'b64_json', model: 'dall-e-3' })
    const gpt = await encodeImageJob({ op: 'generations', fields: { prompt: 'p', response_format: 'url' }, files: [] }, 'gpt-image-1')
    expect(JSON.parse(new TextDecoder().decode(gpt.body))).toEqual({ prompt: 'p', model: 'gpt-image-1' })
    const multipart = await encodeImageJob({ op: 'variations', fields: { n: 2 }, files: [{ field: 'image', name: 'a.png', type: 'image/png', bytes: tinyPng('a') }] }, 'sd')
    const back = await new Request('http://x/', { method: 'POST', body: multipart.body as Uint8Array<ArrayBuffer>, headers: { 'content-type': multipart.contentType } }).formData()
    expect([back.get('model'), back.get('n'), back.get('response_format')]).toEqual(['sd', '2', 'b64_json'])
    decodePng(new Uint8Array(await (back.get('image') as Blob).arrayBuffer()))
  })

  it("reads a provider catalog id's capabilities: image models image only, the rest without images", () => {
    const openai = { chat: true, completion: true, embeddings: true, tools: true, vision: true, imageGeneration: true }
    expect(providerModelCapabilities(openai, 'gpt-image-1')).toEqual({ chat: false, completion: false, embeddings: false, tools: false, vision: false, imageGeneration: true })
    expect(providerModelCapabilities(openai, 'dall-e-3').imageGeneration).toBe(true)
    expect(providerModelCapabilities(openai, 'gpt-4o')).toEqual({ chat: true, completion: true, embeddings: true, tools: true, vision: true })
    const anthropic = { chat: true, completion: false, embeddings: false, tools: true, vision: true }
    expect(providerModelCapabilities(anthropic, 'dall-e-3')).toBe(anthropic)
  })

  it('turns base64 images into URLs of this node and refuses what is not an images answer', () => {
    const store = new ImageStore({ ttlMs: 1_000, maxImages: 4, maxBytes: 10_000 })
    const answer = parseAnswer(JSON.stringify({ created: 1, data: [{ b64_json: tinyPng('a').toString('base64'), revised_prompt: 'r' }] }), 'engine')
    const out = withUrls(answer, store, 'http://10.0.0.3:8080')
    const url = out.data[0]?.url as string
    expect(out.data[0]).toEqual({ revised_prompt: 'r', url: expect.stringMatching(/^http:\/\/10\.0\.0\.3:8080\/v1\/images\/files\/[A-Za-z0-9_-]{32}$/) })
    expect(store.get(url.split('/').pop() as string)?.contentType).toBe('image/png')
    expect(() => parseAnswer('{"data": "nope"}', 'engine')).toThrow(expect.objectContaining({ code: 'protocol_error' }))
  })
})
