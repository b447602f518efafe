/**
 * Image generation across three real agents. Node A fronts a mock image engine (an OpenAI-compatible
 * server speaking the images API, like LocalAI or stable-diffusion.cpp's server) with an image model and
 * a chat model; node B holds the `openai:` provider key, its base URL pointing at a mock OpenAI server
 * with GPT image and DALL·E models; node C has nothing and takes every request through the official
 * `openai` client. Generation JSON and edit/variation uploads are forwarded over the mesh; `url`
 * answers are stored and served by C, the node the client reached; the images are real PNGs. B keeps
 * its URLs for 1 ms: they expire.
 */
import { randomBytes } from 'node:crypto'
import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockEngine, type MockEngine } from '../../../scripts/mock-engines/index.js'
import { tinyPng } from '../../../scripts/mock-engines/png.js'
import { meshAddress, startAgent, stopAllAgents, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { decodePng } from '../../helpers/png.js'

const CLUSTER_KEY = randomBytes(32).toString('hex')
const OPENAI_KEY = `sk-proj-${randomBytes(24).toString('hex')}`
/** Upload limit of node C (bytes): the tiny PNGs fit, the large upload does not. */
const MAX_BYTES = 200_000

let engine: MockEngine
let cloud: MockEngine
let a: RunningAgent
let b: RunningAgent
let c: RunningAgent
let client: OpenAI

const errorOf = async (p: Promise<unknown>): Promise<{ status: number; code: string; param: string | null; message: string }> => {
  try {
    await p
  } catch (err) {
    const e = err as { status: number; code: string; param: string | null; message: string }
    return { status: e.status, code: e.code, param: e.param, message: e.message }
  }
  throw new Error('expected the request to fail')
}

const pngOf = (b64: string | undefined): ReturnType<typeof decodePng> => decodePng(Buffer.from(b64 ?? '', 'base64'))

/** C sees the engine's models and B's provider (a peer can miss a heartbeat on a loaded box). */
async function clusterSeesAll(): Promise<void> {
  await waitFor(async () => {
    const body = (await (await fetch(`${c.url}/v1/models`)).json()) as { data: { id: string }[] }
    const ids = body.data.map((m) => m.id)
    return ids.includes('sd-turbo') && ids.includes('chat-x') && ids.some((id) => id.startsWith('openai:'))
  }, 'C to see the image models', 60_000)
}

beforeAll(async () => {
  engine = await startMockEngine('openai', { models: [{ id: 'sd-turbo', type: 'image' }, { id: 'chat-x' }] })
  cloud = await startMockEngine('openai', { apiKey: OPENAI_KEY, models: [{ id: 'gpt-image-1', type: 'image' }, { id: 'dall-e-2', type: 'image' }, { id: 'gpt-test' }] })
  a = await startAgent({ name: 'img-a', clusterKey: CLUSTER_KEY, args: ['--engine', engine.url] })
  const seed = await meshAddress(a)
  b = await startAgent({ name: 'img-b', clusterKey: CLUSTER_KEY, peers: [seed], env: { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: `${cloud.url}/v1`, LLMLB_IMAGES_URL_TTL_MS: '1' } })
  c = await startAgent({ name: 'img-c', clusterKey: CLUSTER_KEY, peers: [seed], env: { LLMLB_IMAGES_MAX_BYTES: String(MAX_BYTES) } })
  client = new OpenAI({ baseURL: `${c.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  await clusterSeesAll()
})

afterAll(async () => {
  await stopAllAgents()
  await Promise.all([engine?.stop(), cloud?.stop()])
})

describe('image generation across the mesh', () => {
  it('advertises the capability: the engine image model and the provider', async () => {
    const body = (await (await fetch(`${c.url}/v1/models`)).json()) as { data: { id: string; llmlb: { nodes: string[]; capabilities: Record<string, boolean> } }[] }
    expect(body.data.find((m) => m.id === 'sd-turbo')?.llmlb).toMatchObject({ nodes: ['img-a'], capabilities: { imageGeneration: true, chat: false } })
    expect(body.data.find((m) => m.id === 'chat-x')?.llmlb.capabilities.imageGeneration).toBeFalsy()
    // the provider's catalog, by id: its image models generate images only, its chat model none
    await waitFor(async () => {
      const all = (await (await fetch(`${c.url}/v1/models`)).json()) as typeof body
      const caps = (id: string) => all.data.find((m) => m.id === id)?.llmlb.capabilities
      return caps('openai:gpt-image-1')?.imageGeneration === true && caps('openai:gpt-image-1')?.chat === false && caps('openai:gpt-test')?.chat === true && !caps('openai:gpt-test')?.imageGeneration
    }, "C to list the provider's image and chat models apart", 60_000)
  })

  it('generates base64 images on the engine node, recorded in the ingress history without the images', async () => {
    await clusterSeesAll()
    const { data: res, response } = await client.images.generate({ model: 'sd-turbo', prompt: 'a lighthouse', n: 2, size: '512x512', response_format: 'b64_json', quality: 'hd', style: 'vivid' }).withResponse()
    expect(response.headers.get('x-llmlb-served-by')).toBe('img-a')
    expect(response.headers.get('x-llmlb-route')).toBe('forwarded')
    expect(res.data).toHaveLength(2)
    for (const d of res.data ?? []) expect(pngOf(d.b64_json)).toMatchObject({ width: 4, height: 4 })
    expect(res.data?.[0]?.b64_json).not.toBe(res.data?.[1]?.b64_json)
    const id = response.headers.get('x-request-id') as string
    const record = await waitFor(async () => {
      const r = await fetch(`${c.url}/api/history/${id}`)
      return r.status === 200 ? ((await r.json()) as { api: string; model: string; servedBy: string; outputTokens: number; requestBody: string | null; responseBody: string | null }) : undefined
    }, 'the history record at C')
    expect(record).toMatchObject({ api: 'image_generation', model: 'sd-turbo', servedBy: 'img-a', outputTokens: 2 })
    expect(record.requestBody ?? '').toContain('512x512')
    expect(record.responseBody ?? '').not.toContain(res.data?.[0]?.b64_json?.slice(0, 40))
  })

  it('answers url by default with a URL of the ingress node that serves the PNG without a key', async () => {
    await clusterSeesAll()
    const res = await client.images.generate({ model: 'sd-turbo', prompt: 'a harbour' })
    const url = res.data?.[0]?.url ?? ''
    expect(url.startsWith(`${c.url}/v1/images/files/`)).toBe(true)
    const img = await fetch(url)
    expect(img.status).toBe(200)
    expect(img.headers.get('content-type')).toBe('image/png')
    expect(decodePng(new Uint8Array(await img.arrayBuffer()))).toMatchObject({ width: 4, height: 4 })
    // the id is the capability: an unknown or malformed one is a 404
    const unknown = await fetch(`${c.url}/v1/images/files/${'A'.repeat(32)}`)
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found')
    expect((await fetch(`${c.url}/v1/images/files/..%2f..%2fetc`)).status).toBe(404)
    // A stored nothing: the URL lives on the node the client reached
    expect((await fetch(url.replace(c.url, a.url))).status).toBe(404)
  })

  it('stops serving a URL once it expires (B keeps them 1 ms)', async () => {
    await clusterSeesAll()
    const atB = new OpenAI({ baseURL: `${b.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const url = (await atB.images.generate({ model: 'sd-turbo', prompt: 'a short-lived harbour' })).data?.[0]?.url ?? ''
    expect(url.startsWith(`${b.url}/v1/images/files/`)).toBe(true)
    await waitFor(async () => (await fetch(url)).status === 404, 'the URL to expire', 30_000)
  })

  it('edits and varies an uploaded PNG (multipart) on the engine node', async () => {
    await clusterSeesAll()
    const edit = await client.images.edit({ model: 'sd-turbo', image: await toFile(tinyPng('source'), 'source.png', { type: 'image/png' }), mask: await toFile(tinyPng('mask'), 'mask.png', { type: 'image/png' }), prompt: 'add a boat', response_format: 'b64_json', size: '256x256' })
    expect(pngOf(edit.data?.[0]?.b64_json)).toMatchObject({ width: 4 })
    const variation = await client.images.createVariation({ model: 'sd-turbo', image: await toFile(tinyPng('source'), 'source.png', { type: 'image/png' }), n: 3, response_format: 'url' })
    expect(variation.data).toHaveLength(3)
    for (const d of variation.data ?? []) {
      expect(d.url?.startsWith(`${c.url}/v1/images/files/`)).toBe(true)
      decodePng(new Uint8Array(await (await fetch(d.url as string)).arrayBuffer()))
    }
    expect(engine.hits.get('POST /v1/images/edits')).toBeGreaterThanOrEqual(1)
    expect(engine.hits.get('POST /v1/images/variations')).toBeGreaterThanOrEqual(1)
  })

  it('serves openai: image models through the one node holding the key', async () => {
    await clusterSeesAll()
    const { data: gpt, response } = await client.images.generate({ model: 'openai:gpt-image-1', prompt: 'a fox', quality: 'low' }).withResponse()
    expect(response.headers.get('x-llmlb-served-by')).toBe('img-b')
    // GPT image models answer base64 (and refuse response_format: the node does not send it)
    expect(pngOf(gpt.data?.[0]?.b64_json)).toMatchObject({ height: 4 })
    const dalle = await client.images.edit({ model: 'openai:dall-e-2', image: await toFile(tinyPng('x'), 'x.png', { type: 'image/png' }), prompt: 'snow', response_format: 'url' })
    expect(dalle.data?.[0]?.url?.startsWith(`${c.url}/v1/images/files/`)).toBe(true)
    expect(cloud.hits.get('POST /v1/images/generations')).toBe(1)
    // a chat model of the provider does not generate images
    expect(await errorOf(client.images.generate({ model: 'openai:gpt-test', prompt: 'x' }))).toMatchObject({ status: 400, code: 'model_capability_missing' })
  })

  it('serves an engine whose model list does not say, once its registration names the image model', async () => {
    const localai = await startMockEngine('openai', { models: [{ id: 'my-painter', type: 'image' }] })
    try {
      const res = await fetch(`${a.url}/api/engines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: localai.url, imageModels: ['my-painter'] }) })
      expect(res.status).toBe(201)
      const view = (await res.json()) as { engine: { models: { id: string; capabilities: Record<string, boolean> }[] } }
      expect(view.engine.models[0]?.capabilities).toMatchObject({ imageGeneration: true, chat: false })
      await waitFor(async () => {
        const body = (await (await fetch(`${c.url}/v1/models`)).json()) as { data: { id: string; llmlb: { capabilities: Record<string, boolean> } }[] }
        return body.data.find((m) => m.id === 'my-painter')?.llmlb.capabilities.imageGeneration === true
      }, 'C to see my-painter as an image model', 60_000)
      const out = await client.images.generate({ model: 'my-painter', prompt: 'a cat', response_format: 'b64_json' })
      expect(pngOf(out.data?.[0]?.b64_json).width).toBe(4)
    } finally {
      await localai.stop()
    }
  })

  it('refuses bad input with a clear 4xx and keeps serving', async () => {
    await clusterSeesAll()
    const gen = (body: Record<string, unknown>) => client.images.generate({ model: 'sd-turbo', prompt: 'x', ...body } as never)
    expect(await errorOf(gen({ size: '999x999' }))).toMatchObject({ status: 400, code: 'invalid_request', param: 'size' })
    expect(await errorOf(gen({ response_format: 'gif' }))).toMatchObject({ status: 400, param: 'response_format' })
    expect(await errorOf(gen({ n: 11 }))).toMatchObject({ status: 400, param: 'n' })
    expect(await errorOf(gen({ n: 0 }))).toMatchObject({ status: 400, param: 'n' })
    expect(await errorOf(gen({ prompt: '' }))).toMatchObject({ status: 400, param: 'prompt' })
    expect(await errorOf(gen({ model: 'chat-x' }))).toMatchObject({ status: 400, code: 'model_capability_missing' })
    expect((await errorOf(gen({ model: 'chat-x' }))).message).toContain('sd-turbo')
    expect(await errorOf(gen({ model: 'no-such-model' }))).toMatchObject({ status: 404, code: 'model_not_found' })
    const text = await toFile(Buffer.from('this is not an image'), 'notes.png', { type: 'image/png' })
    expect(await errorOf(client.images.edit({ model: 'sd-turbo', image: text, prompt: 'x' }))).toMatchObject({ status: 400, code: 'invalid_image', param: 'image' })
    expect(await errorOf(client.images.createVariation({ model: 'sd-turbo', image: await toFile(tinyPng('a'), 'a.png'), n: 20 } as never))).toMatchObject({ status: 400, param: 'n' })
    const large = Buffer.concat([tinyPng('big'), randomBytes(MAX_BYTES)])
    expect(await errorOf(client.images.createVariation({ model: 'sd-turbo', image: await toFile(large, 'big.png', { type: 'image/png' }) }))).toMatchObject({ status: 413, code: 'request_too_large' })
    // generation takes JSON, edits take a form: the other body type is a 415
    const form = new FormData()
    form.append('model', 'sd-turbo')
    form.append('prompt', 'x')
    const asForm = await fetch(`${c.url}/v1/images/generations`, { method: 'POST', body: form })
    expect([asForm.status, ((await asForm.json()) as { error: { code: string } }).error.code]).toEqual([415, 'unsupported_media_type'])
    const asJson = await fetch(`${c.url}/v1/images/edits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sd-turbo', prompt: 'x' }) })
    expect(asJson.status).toBe(415)
    // still serving
    const ok = await client.images.generate({ model: 'sd-turbo', prompt: 'after the errors', response_format: 'b64_json' })
    expect(pngOf(ok.data?.[0]?.b64_json).width).toBe(4)
  })
})
