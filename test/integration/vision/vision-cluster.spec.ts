/**
 * Vision through the cluster with the official clients: a tiny text model with a tiny projector is served by
 * the multimodal runtime child on the third node; clients talk to the first. Images as data URLs and as
 * http URLs of a local server; bad images, non-image content and internal addresses are clear 400s and the
 * node keeps serving; a kill -9 of the multimodal child fails the request in flight with 503, and the model
 * serves again without restarting the node.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Anthropic from '@anthropic-ai/sdk'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { meshAddress, nodesOf, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { dataUrl, pngImage, tinyVisionModel } from '../../helpers/images.js'

const PNG = pngImage()
let images: Server
let imagesPort = 0
const hits = new Map<string, number>()
let ingress: RunningAgent
let server: RunningAgent
let openai: OpenAI

beforeAll(async () => {
  images = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1)
    if (req.url === '/cat.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG)
    else if (req.url === '/page.html') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not an image</html>')
    else res.writeHead(404).end()
  })
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', r))
  imagesPort = (images.address() as AddressInfo).port
  const key = 'e7'.repeat(32)
  ingress = await startAgent({ name: 'v1', models: [await tinyModel('plain')], clusterKey: key })
  const seed = await meshAddress(ingress)
  // a model wide enough that a long answer takes a while (the kill -9 lands mid-generation)
  const vision = await tinyVisionModel('vis', { layers: 4, embd: 256, ff: 1024, ctx: 8192 })
  ;[, server] = await Promise.all([
    startAgent({ name: 'v2', clusterKey: key, peers: [seed] }),
    startAgent({ name: 'v3', models: [vision], clusterKey: key, peers: [seed], args: ['--ctx-size', '8192', '--image-url-allow', `127.0.0.1:${imagesPort}`] })
  ])
  await waitFor(async () => (await nodesOf(ingress)).some((n) => n.name === 'v3' && n.models.some((m) => m.id === 'vis' && m.loaded)), 'v1 to see vis on v3', 60_000)
  openai = new OpenAI({ baseURL: `${ingress.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 120_000 })
})

afterAll(async () => {
  await stopAllAgents()
  await new Promise((r) => images.close(r))
})

const ask = (url: string, text = 'What is in this picture?'): OpenAI.ChatCompletionCreateParamsNonStreaming => ({
  model: 'vis',
  max_tokens: 4,
  temperature: 0,
  messages: [{ role: 'user', content: [{ type: 'text', text }, { type: 'image_url', image_url: { url } }] }]
})

/** The error a request fails with (status, code, param), from the openai client's APIError. */
async function failure(p: Promise<unknown>): Promise<{ status: number; code: string; param: string | null; message: string }> {
  try {
    await p
  } catch (err) {
    if (err instanceof OpenAI.APIError) return { status: err.status ?? 0, code: String(err.code), param: err.param ?? null, message: err.message }
    throw err
  }
  throw new Error('the request succeeded')
}

/** Pid of the node's multimodal runtime child (a child process running child-mtmd/main.js). */
function multimodalChildPid(a: RunningAgent): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === a.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('child-mtmd')) return Number(entry)
    } catch {
      // the process ended while it was read
    }
  }
  return undefined
}

describe('vision across the cluster', () => {
  it('advertises the vision capability and answers an image given as a data URL, served by the node with the projector', async () => {
    const listed = await openai.models.list()
    const vis = listed.data.find((m) => m.id === 'vis') as unknown as { llmlb: { capabilities: { vision: boolean } } }
    expect(vis.llmlb.capabilities.vision).toBe(true)
    const { data, response } = await openai.chat.completions.create(ask(dataUrl(PNG))).withResponse()
    expect(response.headers.get('x-llmlb-served-by')).toBe('v3')
    expect(data.choices[0]?.finish_reason).toBe('length')
    expect(data.usage?.completion_tokens).toBe(4)
    // the image adds its embeddings to the prompt: more prompt tokens than the same text without it
    const textOnly = await openai.chat.completions.create({ model: 'vis', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }] }] })
    expect(data.usage?.prompt_tokens).toBeGreaterThan(textOnly.usage?.prompt_tokens ?? Infinity)
  })

  it('fetches an http image URL (an allowed local host) into the same prompt as the bytes inline', async () => {
    const before = hits.get('/cat.png') ?? 0
    const byUrl = await openai.chat.completions.create(ask(`http://127.0.0.1:${imagesPort}/cat.png`))
    expect(hits.get('/cat.png')).toBe(before + 1)
    expect(byUrl.usage?.completion_tokens).toBe(4)
    // (answers are not compared: libmtmd's prompt reuse makes greedy image answers differ run to run, specs/vision.md)
    const inline = await openai.chat.completions.create(ask(dataUrl(PNG)))
    expect(byUrl.usage?.prompt_tokens).toBe(inline.usage?.prompt_tokens)
  })

  it('streams an image answer', async () => {
    const stream = await openai.chat.completions.create({ ...ask(dataUrl(PNG)), stream: true, stream_options: { include_usage: true } })
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) usage = chunk.usage ?? usage
    expect(usage?.completion_tokens).toBe(4)
  })

  it('takes images through /v1/responses, /v1/messages and Ollama /api/chat', async () => {
    const r = await openai.responses.create({
      model: 'vis',
      max_output_tokens: 4,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'describe' }, { type: 'input_image', image_url: dataUrl(PNG), detail: 'auto' }] }]
    })
    expect(r.status).toBe('incomplete')
    expect(r.usage?.output_tokens).toBe(4)
    const anthropic = new Anthropic({ apiKey: 'unused', baseURL: ingress.url, maxRetries: 0, timeout: 120_000 })
    const m = await anthropic.messages.create({
      model: 'vis',
      max_tokens: 4,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') } }, { type: 'text', text: 'describe' }] }]
    })
    expect(m.usage.output_tokens).toBe(4)
    const ollama = new Ollama({ host: ingress.url })
    const o = await ollama.chat({ model: 'vis', messages: [{ role: 'user', content: 'describe', images: [PNG.toString('base64')] }], options: { num_predict: 4 } })
    expect(o.eval_count).toBe(4)
  })

  it('refuses bad images with a clear 400 and keeps serving', async () => {
    const corrupt = Buffer.concat([PNG.subarray(0, 40), Buffer.alloc(200, 7)])
    expect(await failure(openai.chat.completions.create(ask(dataUrl(corrupt))))).toMatchObject({ status: 400, code: 'invalid_image' })
    expect(await failure(openai.chat.completions.create(ask(dataUrl(Buffer.from('just some text')))))).toMatchObject({
      status: 400,
      code: 'invalid_image',
      param: 'messages[0].content[1].image_url'
    })
    expect(await failure(openai.chat.completions.create(ask(`data:text/plain;base64,${Buffer.from('hi').toString('base64')}`)))).toMatchObject({ status: 400, code: 'invalid_image' })
    const html = await failure(openai.chat.completions.create(ask(`http://127.0.0.1:${imagesPort}/page.html`)))
    expect(html).toMatchObject({ status: 400, code: 'invalid_image_url' })
    expect(html.message).toContain('text/html')
    // loopback on a port that is not allowed, a private range, link-local metadata, and a name for loopback
    for (const url of [`http://127.0.0.1:${imagesPort + 1}/cat.png`, 'http://10.1.2.3/cat.png', 'http://169.254.169.254/latest', 'http://localhost:1/cat.png', 'http://[::1]/x.png']) {
      const f = await failure(openai.chat.completions.create(ask(url)))
      expect(f, url).toMatchObject({ status: 400, code: 'invalid_image_url' })
      expect(f.message, url).toMatch(/loopback, private or link-local/)
    }
    expect(await failure(openai.chat.completions.create(ask('file:///etc/passwd')))).toMatchObject({ status: 400, code: 'invalid_image_url' })
    // an image for a model without a projector
    expect(await failure(openai.chat.completions.create({ ...ask(dataUrl(PNG)), model: 'plain' }))).toMatchObject({ status: 400, code: 'model_capability_missing' })
    const ok = await openai.chat.completions.create(ask(dataUrl(PNG)))
    expect(ok.usage?.completion_tokens).toBe(4)
  })

  it('kill -9 of the multimodal child fails the request in flight with 503, then the model serves again without a restart', async () => {
    const pid = multimodalChildPid(server)
    expect(pid).toBeDefined()
    const long = openai.chat.completions.create({ ...ask(dataUrl(PNG)), max_tokens: 6000, ignore_eos: true } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    const outcome = failure(long)
    const busy = waitFor(async () => (await nodesOf(server)).find((n) => n.self)?.models.find((m) => m.id === 'vis')?.slotsBusy === 1, 'the long request to take a slot', 120_000, 20)
    // should the request end before it is seen on its slot, say how instead of waiting out the poll
    await Promise.race([busy, outcome.then((f) => Promise.reject(new Error(`the long request ended first: ${JSON.stringify(f)}`)))])
    process.kill(pid as number, 'SIGKILL')
    expect(await outcome).toMatchObject({ status: 503, code: 'runtime_unavailable' })
    const served = await waitFor(async () => {
      const r = await openai.chat.completions.create(ask(dataUrl(PNG))).catch(() => undefined)
      return r?.usage?.completion_tokens === 4 ? r : undefined
    }, 'vis to serve again', 120_000, 200)
    expect(served.choices).toHaveLength(1)
    expect(multimodalChildPid(server)).not.toBe(pid)
    expect(server.proc.exitCode).toBeNull()
  })
})
