/**
 * One real `llmlb serve` process with a generated GGUF, driven by the official openai client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import OpenAI from 'openai'
import { within } from '../../helpers/within.js'
import { runCli, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'

let agent: RunningAgent
let client: OpenAI
const MODEL = 'tiny-a'

beforeAll(async () => {
  const path = await tinyModel(MODEL, { ctx: 256 })
  agent = await startAgent({ name: 'solo', models: [path], args: ['--ctx-size', '256'] })
  client = new OpenAI({ baseURL: `${agent.url}/v1`, apiKey: 'unused', maxRetries: 0 })
})
afterAll(stopAllAgents)

const post = (path: string, body: string | object, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Response> =>
  fetch(`${agent.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })

/**
 * POST whose answer may arrive before the body is sent (a 413 from content-length). The node reads and
 * discards the rest before closing (lingering close), so the answer is always readable; the promise
 * settles on every path: the answer, a socket error before it, or the bound.
 */
function postOversized(path: string, body: string): Promise<Response> {
  const bytes = Buffer.byteLength(body)
  return within(
    new Promise((resolve, reject) => {
      const req = request(`${agent.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': bytes } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers: res.headers as Record<string, string> })))
      })
      // after the answer was read this is a no-op; before it, the node lost the answer: a failure
      req.on('error', (err) => reject(new Error(`upload of ${bytes} bytes failed before its answer was read: ${(err as NodeJS.ErrnoException).code ?? err.message}`)))
      req.end(body)
    }),
    `the answer to a ${bytes}-byte upload to ${path}`
  )
}

describe('single node through the openai client', () => {
  it('lists models with capabilities and context length', async () => {
    const list = await client.models.list()
    const m = list.data.find((x) => x.id === MODEL) as unknown as { llmlb: { capabilities: { chat: boolean; embeddings: boolean }; context_length: number; nodes: string[] } }
    expect(m).toBeDefined()
    expect(m.llmlb.capabilities.chat).toBe(true)
    expect(m.llmlb.capabilities.embeddings).toBe(true)
    expect(m.llmlb.context_length).toBe(256)
    expect(m.llmlb.nodes).toEqual(['solo'])
    const one = await client.models.retrieve(MODEL)
    expect(one.id).toBe(MODEL)
  })

  it('chat non-stream: usage matches the tokenizer and max_tokens gives length', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hello world' }], max_tokens: 12, temperature: 0.9, seed: 3 })
      .withResponse()
    expect(response.headers.get('x-llmlb-served-by')).toBe('solo')
    expect(response.headers.get('x-llmlb-route')).toBe('local')
    expect(response.headers.get('x-llmlb-hops')).toBe('0')
    expect(response.headers.get('x-request-id')).toBeTruthy()
    const c = data.choices[0]
    expect(c?.message.role).toBe('assistant')
    expect(data.usage?.completion_tokens).toBeLessThanOrEqual(12)
    if (data.usage?.completion_tokens === 12) expect(c?.finish_reason).toBe('length')
    else expect(c?.finish_reason).toBe('stop')
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0))
    expect(data.usage?.prompt_tokens).toBeGreaterThan(2)
  })

  it('chat stream: deltas, final finish_reason, usage with include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'the mesh' }],
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true }
    })
    let text = ''
    let finish: string | null = null
    let usage: OpenAI.CompletionUsage | undefined | null
    for await (const chunk of stream) {
      const ch = chunk.choices[0]
      if (ch?.delta?.content) text += ch.delta.content
      if (ch?.finish_reason) finish = ch.finish_reason
      if (chunk.usage) usage = chunk.usage
    }
    expect(finish).toMatch(/^(stop|length)$/)
    expect(usage?.completion_tokens).toBeGreaterThan(0)
    expect(usage?.completion_tokens).toBeLessThanOrEqual(8)
    expect(typeof text).toBe('string')
  })

  it('completions stream and non-stream', async () => {
    const r = await client.completions.create({ model: MODEL, prompt: 'hello', max_tokens: 5 })
    expect(r.object).toBe('text_completion')
    expect(r.usage?.completion_tokens).toBeLessThanOrEqual(5)
    const s = await client.completions.create({ model: MODEL, prompt: 'hello', max_tokens: 5, stream: true })
    let n = 0
    for await (const c of s) if (c.choices[0]?.text) n++
    expect(n).toBeGreaterThanOrEqual(0)
  })

  it('embeddings as float and base64 decode to the same vector', async () => {
    const f = await client.embeddings.create({ model: MODEL, input: ['hello world', 'the mesh'], encoding_format: 'float' })
    expect(f.data).toHaveLength(2)
    expect(f.data[0]?.embedding).toHaveLength(64)
    expect(f.usage.prompt_tokens).toBeGreaterThan(0)
    const raw = await post('/v1/embeddings', { model: MODEL, input: 'hello world', encoding_format: 'base64' })
    const b = (await raw.json()) as { data: { embedding: string }[] }
    const bytes = Buffer.from(b.data[0]?.embedding as string, 'base64')
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4))
    expect(decoded).toHaveLength(64)
    decoded.forEach((v, i) => expect(v).toBeCloseTo(f.data[0]?.embedding[i] as number, 5))
  })

  it('curl-style body without a JSON content type still works', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }), {
      'content-type': 'application/x-www-form-urlencoded'
    })
    expect(r.status).toBe(200)
  })

  it('bad inputs get OpenAI errors with the right status, and the node keeps serving', async () => {
    const cases: [string | object, number, string, string | null][] = [
      ['{"model": ', 400, 'invalid_json', null],
      [{ messages: [{ role: 'user', content: 'x' }] }, 400, 'invalid_request', 'model'],
      [{ model: MODEL, messages: [{ role: 'robot', content: 'x' }] }, 400, 'invalid_request', 'messages[0].role'],
      [{ model: 'nope', messages: [{ role: 'user', content: 'x' }] }, 404, 'model_not_found', 'model'],
      [{ model: MODEL, messages: [{ role: 'user', content: 'hello world '.repeat(200) }] }, 400, 'context_length_exceeded', 'messages'],
      [{ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }] }, 413, 'request_too_large', null]
    ]
    for (const [body, status, code, param] of cases) {
      // the 413 is answered from content-length while the client is still sending
      const r = status === 413 ? await postOversized('/v1/chat/completions', JSON.stringify(body)) : await post('/v1/chat/completions', body)
      expect(r.status, code).toBe(status)
      expect(r.headers.get('content-type')).toContain('application/json')
      const e = (await r.json()) as { error: { code: string; type: string; param: string | null; message: string } }
      expect(e.error.code).toBe(code)
      expect(e.error.param).toBe(param)
      expect(e.error.message).not.toMatch(/at .*\.(ts|js):\d+/)
    }
    const nf = await fetch(`${agent.url}/v1/nothing`)
    expect(nf.status).toBe(404)
    expect(((await nf.json()) as { error: { code: string } }).error.code).toBe('route_not_found')
    const ok = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })
    expect(ok.choices).toHaveLength(1)
  })

  it('aborting a stream frees the slot: the next requests are served at once', async () => {
    const ac = new AbortController()
    const r = await fetch(`${agent.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 200, stream: true, ignore_eos: true }),
      signal: ac.signal
    })
    const reader = (r.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    ac.abort()
    await waitFor(async () => {
      const nodes = (await (await fetch(`${agent.url}/api/nodes`)).json()) as { data: { models: { id: string; slotsBusy: number }[] }[] }
      return nodes.data[0]?.models.find((m) => m.id === MODEL)?.slotsBusy === 0
    }, 'slot to be freed', 5000)
    // both slots (the agent runs with --slots 2) are free: two requests run without queueing
    const both = await Promise.all([0, 1].map(() => post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })))
    for (const b of both) expect(b.headers.get('x-llmlb-queue-wait-ms')).toBe('0')
  })

  it('20 concurrent requests all succeed (they queue for the 2 slots)', async () => {
    const rs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `hello ${i}` }], max_tokens: 4 }))
    )
    expect(rs.every((r) => r.choices[0]?.message.role === 'assistant')).toBe(true)
  })

  it('health and ready', async () => {
    expect((await fetch(`${agent.url}/health`)).status).toBe(200)
    const ready = (await (await fetch(`${agent.url}/ready`)).json()) as { ready: boolean; models: string[] }
    expect(ready).toMatchObject({ ready: true, models: [MODEL] })
  })

  it('a second serve on the same data dir is refused, naming the running pid and port', async () => {
    const r = await runCli(['serve', '--profile', 'test', '--data-dir', agent.dataDir, '--log-level', 'warn'], { LLMLB_AUTH: 'off' })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`pid ${agent.pid}`)
    expect(r.stderr).toContain(`port ${agent.port}`)
  })

  it('status reports the running node', async () => {
    const r = await runCli(['status', '--data-dir', agent.dataDir])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('solo')
    expect(r.stdout).toContain(MODEL)
  })
})
