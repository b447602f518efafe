/**
 * The load policy on real agents: a stored model that is not loaded is served by loading it on
 * demand (route reason `cold-load`); an idle model is unloaded after its keep-alive; a memory budget
 * unloads the least recently used idle model to make room, and refuses with 503 insufficient_memory
 * (naming the need and the budget) when no model can be unloaded.
 */
import { stat } from 'node:fs/promises'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, describe, expect, it } from 'vitest'
import { readGgufFacts } from '../../../agent/src/models/gguf-metadata.js'
import { estimateMemoryBytes } from '../../../agent/src/models/load-policy.js'
import { startAgent, stopAllAgents, tempDir, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'

const SLOTS = 2
const CTX = 2048

afterAll(stopAllAgents)

async function api(a: RunningAgent, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${a.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

const stateOf = async (a: RunningAgent, id: string): Promise<string> => (await api(a, 'GET', `/api/models/${id}`)).body.state

async function chat(a: RunningAgent, model: string): Promise<{ reason: string | null; servedBy: string | null }> {
  const client = new OpenAI({ baseURL: `${a.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  const { response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }).withResponse()
  return { reason: response.headers.get('x-llmlb-route-reason'), servedBy: response.headers.get('x-llmlb-served-by') }
}

/** What the node will estimate for a generated model (the same header facts and formula). */
async function needOf(path: string): Promise<number> {
  const facts = await readGgufFacts(path)
  return estimateMemoryBytes((await stat(path)).size, facts.kvBytesPerToken, Math.min(CTX, facts.contextLength), SLOTS)
}

async function withConfig(config: object, models: string[], readyModels?: number): Promise<RunningAgent> {
  const dataDir = await tempDir()
  await writeFile(join(dataDir, 'config.json'), JSON.stringify(config))
  return startAgent({ dataDir, models, readyModels })
}

describe('load policy', () => {
  it('a stored, unloaded model is loaded on demand: the request waits and says cold-load', async () => {
    const a = await startAgent({ models: [await tinyModel('lazy-a')] })
    expect((await api(a, 'POST', '/api/models/lazy-a/unload')).status).toBe(200)
    expect(await stateOf(a, 'lazy-a')).toBe('stored')
    // still listed to clients, as stored on this node
    const listed = (await api(a, 'GET', '/v1/models/lazy-a')).body
    expect(listed.llmlb.nodes).toEqual([])
    expect(listed.llmlb.stored_on).toEqual([a.name])
    const r = await chat(a, 'lazy-a')
    expect(r.reason).toBe('cold-load')
    expect(await stateOf(a, 'lazy-a')).toBe('loaded')
    expect((await chat(a, 'lazy-a')).reason).not.toBe('cold-load')
  })

  it('an idle model is unloaded after its keep-alive and comes back on the next request', async () => {
    const a = await withConfig({ modelStore: { keepAliveMs: 1500 } }, [await tinyModel('idle-a')])
    await chat(a, 'idle-a')
    await waitFor(async () => (await stateOf(a, 'idle-a')) === 'stored', 'idle model unloaded', 20_000)
    expect((await chat(a, 'idle-a')).reason).toBe('cold-load')
  })

  it('a memory budget for one model: loading another unloads the least recently used idle one', async () => {
    const pa = await tinyModel('budget-a')
    const pb = await tinyModel('budget-b', { seed: 2 })
    const budget = Math.floor(Math.max(await needOf(pa), await needOf(pb)) * 1.5)
    const a = await withConfig({ modelStore: { memoryBudgetBytes: budget } }, [pa, pb], 1)
    expect((await api(a, 'GET', '/api/models')).body.memoryBudgetBytes).toBe(budget)
    const states = async (): Promise<string[]> => [await stateOf(a, 'budget-a'), await stateOf(a, 'budget-b')]
    // only one fits: the other stays stored
    expect((await states()).sort()).toEqual(['loaded', 'stored'])
    expect((await chat(a, 'budget-a')).servedBy).toBe(a.name)
    expect(await states()).toEqual(['loaded', 'stored'])
    expect((await chat(a, 'budget-b')).reason).toBe('cold-load')
    expect(await states()).toEqual(['stored', 'loaded'])
  })

  it('insufficient_memory (503, need and budget named) when the only loaded model is busy', async () => {
    const pa = await tinyModel('busy-a')
    const pb = await tinyModel('busy-b', { seed: 3 })
    const budget = Math.floor(Math.max(await needOf(pa), await needOf(pb)) * 1.5)
    const a = await withConfig({ modelStore: { memoryBudgetBytes: budget } }, [pa, pb], 1)
    const loaded = (await stateOf(a, 'busy-a')) === 'loaded' ? 'busy-a' : 'busy-b'
    const other = loaded === 'busy-a' ? 'busy-b' : 'busy-a'
    const ac = new AbortController()
    const long = await fetch(`${a.url}/v1/chat/completions`, {
      method: 'POST',
      signal: ac.signal,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: loaded, messages: [{ role: 'user', content: 'hi' }], max_tokens: 100000, ignore_eos: true, stream: true })
    })
    const reader = (long.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    const r = await api(a, 'POST', '/v1/chat/completions', { model: other, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })
    ac.abort()
    expect(r.status).toBe(503)
    expect(r.body.error.code).toBe('insufficient_memory')
    expect(r.body.error.message).toMatch(new RegExp(`'${other}' needs about [\\d.]+ [KM]B .* budget of this node is [\\d.]+ [KM]B`))
    // once the stream is gone the same request is served (the idle model makes room)
    await waitFor(async () => (await api(a, 'POST', '/v1/chat/completions', { model: other, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })).status === 200, 'served after the stream ended', 20_000)
  })
})
