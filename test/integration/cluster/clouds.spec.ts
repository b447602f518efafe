/**
 * Cloud providers across a real 3-node cluster: node a holds the Anthropic and Gemini keys (from its
 * environment), b and c hold none. Clients use the official `openai` client at c: every request for
 * `anthropic:*` / `google:*` is forwarded to a and translated there, streams chunk by chunk. A key set
 * through the admin API for node b only is sealed, replicated and used by b alone. The keys never
 * appear in clear in any data dir (LMDB, logs), the processes' output, the gossiped state or any answer.
 */
import { readdir, readFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import OpenAI, { APIError, RateLimitError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { meshAddress, modelIdsOf, startAgent, stopAllAgents, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { mockAnthropic, mockGemini, mockOpenAi, type MockProvider } from '../../helpers/mock-providers.js'

const ANTHROPIC_KEY = `sk-ant-api03-${randomBytes(24).toString('hex')}`
const GEMINI_KEY = `AIza${randomBytes(18).toString('hex')}`
const OPENAI_KEY = `sk-proj-${randomBytes(24).toString('hex')}`
const KEYS = [ANTHROPIC_KEY, GEMINI_KEY, OPENAI_KEY]

let anthropic: MockProvider
let gemini: MockProvider
let openai: MockProvider
let a: RunningAgent
let b: RunningAgent
let c: RunningAgent
/** Every JSON answer the test read from the nodes, searched for the keys at the end. */
const answers: string[] = []

async function getJson<T>(node: RunningAgent, path: string): Promise<T> {
  const text = await (await fetch(`${node.url}${path}`)).text()
  answers.push(text)
  return JSON.parse(text) as T
}

/** The error a request ends with (fails the test when it succeeds). */
async function failure(p: Promise<unknown>): Promise<APIError> {
  try {
    await p
  } catch (e) {
    if (e instanceof APIError) return e
    throw e
  }
  throw new Error('the request succeeded')
}

const client = (node: RunningAgent) => new OpenAI({ baseURL: `${node.url}/v1`, apiKey: 'unused', maxRetries: 0 })

beforeAll(async () => {
  ;[anthropic, gemini, openai] = await Promise.all([mockAnthropic(ANTHROPIC_KEY), mockGemini(GEMINI_KEY), mockOpenAi(OPENAI_KEY)])
  const clusterKey = randomBytes(32).toString('hex')
  const debug = ['--log-level', 'debug']
  a = await startAgent({ name: 'a', clusterKey, args: debug, env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY, ANTHROPIC_BASE_URL: anthropic.url, GEMINI_API_KEY: GEMINI_KEY, GEMINI_BASE_URL: gemini.url } })
  const seed = await meshAddress(a)
  ;[b, c] = await Promise.all([startAgent({ name: 'b', clusterKey, peers: [seed], args: debug }), startAgent({ name: 'c', clusterKey, peers: [seed], args: debug })])
  // the providers' catalogs reach c through a's advert
  await waitFor(async () => {
    const ids = await modelIdsOf(c)
    return ids.includes('anthropic:claude-test-1') && ids.includes('anthropic:claude-test-2') && ids.includes('google:gemini-test')
  }, 'c to list the cloud models', 60_000)
})

afterAll(async () => {
  await stopAllAgents()
  await Promise.all([anthropic?.close(), gemini?.close(), openai?.close()])
})

describe('cloud providers in a cluster', () => {
  it('lists the catalogs with their prefixes and engines on every node (only generateContent models of Gemini)', async () => {
    const body = await getJson<{ data: { id: string; llmlb: { nodes: string[]; engines: string[] } }[] }>(c, '/v1/models')
    const claude = body.data.find((m) => m.id === 'anthropic:claude-test-1')
    expect(claude?.llmlb).toMatchObject({ nodes: ['a'], engines: ['cloud:anthropic'] })
    expect(body.data.find((m) => m.id === 'google:gemini-test')?.llmlb.engines).toEqual(['cloud:google'])
    expect(body.data.some((m) => m.id.includes('text-embedding-test'))).toBe(false)
  })

  it('streams Anthropic through a node without the key, chunk by chunk, with usage', async () => {
    const { data: stream, response } = await client(c).chat.completions.create({ model: 'anthropic:claude-test-1', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } }).withResponse()
    expect(response.headers.get('x-llmlb-served-by')).toBe('a')
    const pieces: string[] = []
    let finish: string | null | undefined
    let usage: OpenAI.CompletionUsage | undefined | null
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content)
      finish ??= chunk.choices[0]?.finish_reason
      if (chunk.usage) usage = chunk.usage
    }
    expect(pieces).toEqual(['Hello', ' from', ' Claude'])
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 12, total_tokens: 37 })
    expect(anthropic.requests.at(-1)).toMatchObject({ model: 'claude-test-1', system: 'Be brief.', stream: true })
  })

  it('streams an Anthropic tool call as OpenAI tool_call deltas', async () => {
    const stream = await client(c).chat.completions.create({ model: 'anthropic:claude-test-2', messages: [{ role: 'user', content: 'use a tool' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }], stream: true })
    const calls: { id?: string; name: string; args: string }[] = []
    let finish: string | null | undefined
    for await (const chunk of stream) {
      for (const t of chunk.choices[0]?.delta.tool_calls ?? []) {
        const call = (calls[t.index] ??= { name: '', args: '' })
        if (t.id) call.id = t.id
        call.name += t.function?.name ?? ''
        call.args += t.function?.arguments ?? ''
      }
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(calls).toEqual([{ id: 'toolu_01A', name: 'get_weather', args: '{"location": "Paris"}' }])
    expect(JSON.parse(calls[0]?.args ?? '')).toEqual({ location: 'Paris' })
    expect(finish).toBe('tool_calls')
  })

  it('answers Gemini through a node without the key, whole and streamed with a function call', async () => {
    const whole = await client(b).chat.completions.create({ model: 'google:gemini-test', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 })
    expect(whole.choices[0]?.message.content).toBe('Hello from Gemini')
    expect(whole.choices[0]?.finish_reason).toBe('stop')
    expect(whole.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 6 })
    const stream = await client(c).chat.completions.create({ model: 'google:gemini-test', messages: [{ role: 'user', content: 'use a tool' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }], stream: true })
    const names: string[] = []
    let finish: string | null | undefined
    for await (const chunk of stream) {
      for (const t of chunk.choices[0]?.delta.tool_calls ?? []) if (t.function?.name) names.push(t.function.name)
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(names).toEqual(['get_weather'])
    expect(finish).toBe('tool_calls')
  })

  it('maps provider errors with their status (429 keeps Retry-After) and a non-JSON answer to a clear 502; the node keeps serving', async () => {
    const limited = await failure(client(c).chat.completions.create({ model: 'anthropic:claude-test-1', messages: [{ role: 'user', content: 'rate limit' }] }))
    expect(limited).toBeInstanceOf(RateLimitError)
    expect(limited.headers?.get('retry-after')).toBe('7')
    expect(limited.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_error' })
    const gemini429 = await failure(client(c).chat.completions.create({ model: 'google:gemini-test', messages: [{ role: 'user', content: 'rate limit' }] }))
    expect(gemini429.status).toBe(429)
    expect(gemini429.headers?.get('retry-after')).toBe('12')

    const broken = await failure(client(c).chat.completions.create({ model: 'anthropic:claude-test-1', messages: [{ role: 'user', content: 'html' }] }))
    expect(broken.status).toBe(502)
    expect(broken.error).toMatchObject({ code: 'provider_failed', message: 'anthropic answered with text/html instead of an event stream' })
    const after = await client(c).chat.completions.create({ model: 'anthropic:claude-test-1', messages: [{ role: 'user', content: 'hi again' }] })
    expect(after.choices[0]?.message.content).toBe('Hello from Claude')
  })

  it('a key set through the admin API serves on the allowed node only, and others forward to it', async () => {
    const put = await fetch(`${c.url}/api/clouds/openai`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: OPENAI_KEY, baseUrl: openai.url, nodes: ['b'] }) })
    const putText = await put.text()
    answers.push(putText)
    expect(put.status).toBe(200)
    expect(JSON.parse(putText)).toMatchObject({ provider: 'openai', active: false, keyHint: `…${OPENAI_KEY.slice(-4)}`, nodes: ['b'] })
    await waitFor(async () => (await modelIdsOf(a)).includes('openai:gpt-test'), 'a to list openai:gpt-test', 60_000)
    const { data, response } = await client(a).chat.completions.create({ model: 'openai:gpt-test', messages: [{ role: 'user', content: 'hi' }] }).withResponse()
    expect(response.headers.get('x-llmlb-served-by')).toBe('b')
    expect(data.choices[0]?.message.content).toBe('Hello from GPT')
    expect(openai.requests.at(-1)).toMatchObject({ model: 'gpt-test' })
    const onB = await getJson<{ data: { provider: string; active: boolean; keySource: string | null }[] }>(b, '/api/clouds')
    expect(onB.data.find((p) => p.provider === 'openai')).toMatchObject({ active: true, keySource: 'cluster' })
    const onA = await getJson<{ data: { provider: string; active: boolean; keySource: string | null }[] }>(a, '/api/clouds')
    expect(onA.data.find((p) => p.provider === 'openai')).toMatchObject({ active: false, keySource: null })
    expect(onA.data.find((p) => p.provider === 'anthropic')).toMatchObject({ active: true, keySource: 'local' })
  })

  it('records cloud requests in history and token statistics per provider', async () => {
    const history = await waitFor(async () => {
      const h = await getJson<{ data: { model: string; servedBy: string; engine?: string | null; inputTokens: number; status: number }[] }>(c, '/api/history?per_page=500')
      return h.data.some((r) => r.model === 'anthropic:claude-test-1' && r.status === 200) ? h : undefined
    }, 'the history of c')
    expect(history.data.find((r) => r.model === 'anthropic:claude-test-1' && r.status === 200)).toMatchObject({ servedBy: 'a', engine: 'cloud:anthropic', inputTokens: 25 })
    const stats = await getJson<{ data: { group: string; requests: number }[] }>(c, '/api/stats/tokens?group=engine')
    expect(stats.data.find((r) => r.group === 'cloud:anthropic')?.requests).toBeGreaterThanOrEqual(4)
    expect(stats.data.find((r) => r.group === 'cloud:google')?.requests).toBeGreaterThanOrEqual(2)
  })

  it('never shows a key in clear: data dirs (LMDB, logs), process output, gossiped state, answers', async () => {
    for (const n of [a, b, c]) {
      await getJson(n, '/api/nodes')
      await getJson(n, '/api/clouds')
      await getJson(n, '/v1/models')
      await getJson(n, '/api/history?per_page=500')
      await getJson(n, `/api/nodes/${n.name}/logs?limit=1000`).catch(() => undefined)
    }
    const haystacks: { where: string; bytes: Buffer }[] = answers.map((t, i) => ({ where: `answer ${i}`, bytes: Buffer.from(t) }))
    for (const n of [a, b, c]) {
      haystacks.push({ where: `${n.name} output`, bytes: Buffer.from(n.output()) })
      for (const f of (await readdir(n.dataDir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile())) {
        const path = join(f.parentPath, f.name)
        haystacks.push({ where: path, bytes: await readFile(path) })
      }
    }
    // the sealed entry did replicate to every node (so the search below covers it)
    for (const n of [a, b, c]) expect(haystacks.some((h) => h.where.startsWith(n.dataDir) && h.bytes.includes('cloudkey/openai'))).toBe(true)
    for (const key of KEYS) for (const h of haystacks) expect(h.bytes.includes(key), `${key.slice(0, 8)}… found in ${h.where}`).toBe(false)
  })
})
