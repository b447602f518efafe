/**
 * The catalog on a real agent, against the mock hub: an entry from the data dir's catalog.json and
 * one added through the admin API; `llmlb models pull <name>`; a request for a name or alias is served
 * by the pulled model; `--auto-pull` answers 503 model_pulling with Retry-After while it downloads,
 * then serves.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTinyGguf } from '../../../native-runtime/src/index.js'
import { runCli, startAgent, stopAllAgents, tempDir, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { startMockHub, type MockHub } from '../../../scripts/mock-hf-hub.js'

let hub: MockHub
let node: RunningAgent

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${node.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers }
}

const chat = (model: string) => api('POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 })

beforeAll(async () => {
  const gguf = (name: string, seed: number): Buffer => Buffer.from(buildTinyGguf({ name, seed, readable: true }))
  hub = await startMockHub([
    { repo: 'test-org/Tiny-GGUF', files: { 'Tiny-Q4_K_M.gguf': gguf('tiny', 21) } },
    { repo: 'test-org/Other-GGUF', files: { 'Other-Q5_K_M.gguf': gguf('other', 22) } }
  ])
  const dataDir = await tempDir()
  await writeFile(join(dataDir, 'catalog.json'), JSON.stringify([{ id: 'tiny-chat', repo: 'test-org/Tiny-GGUF', fileStem: 'tiny', aliases: ['tinychat'], notes: 'test' }]))
  hub.setThrottle(400_000)
  node = await startAgent({ name: 'cat', dataDir, args: ['--auto-pull'], env: { HF_ENDPOINT: hub.endpoint } })
})

afterAll(async () => {
  await stopAllAgents()
  await hub?.close()
})

describe('catalog and aliases', () => {
  it('lists the built-in entries and the data dir file', async () => {
    const ids = (await api('GET', '/api/catalog')).body.data.map((e: { id: string }) => e.id)
    expect(ids).toContain('qwen2.5-7b-instruct')
    expect(ids).toContain('gpt-oss-20b')
    expect(ids).toContain('tiny-chat')
  })

  it('--auto-pull: a request for an alias nobody has starts a pull and is answered 503 + Retry-After, then served', async () => {
    const client = new OpenAI({ baseURL: `${node.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const first = await client.chat.completions.create({ model: 'tinychat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }).catch((e: unknown) => e as { status: number; code: string; headers: Headers })
    expect((first as { status: number }).status).toBe(503)
    expect((first as { code: string }).code).toBe('model_pulling')
    const again = await chat('tinychat')
    expect(again.status).toBe(503)
    expect(again.headers.get('retry-after')).toBe('10')
    expect(again.body.error.message).toMatch(/being pulled from test-org\/Tiny-GGUF onto node cat/)
    hub.setThrottle(0)
    const ok = await waitFor(async () => {
      const r = await chat('tinychat')
      return r.status === 200 ? r : undefined
    }, 'served after the pull', 60_000)
    expect(ok.body.model).toBe('Tiny-Q4_K_M')
    // one download, however many requests asked
    expect(hub.hits.filter((h) => h.start === 0)).toHaveLength(1)
    expect((await chat('tiny-chat')).status).toBe(200)
  })

  it('an entry added through the admin API: pulled by name with the CLI, served by name; deleted again', async () => {
    const put = await api('PUT', '/api/catalog/other', { repo: 'test-org/Other-GGUF', defaultQuant: 'Q5_K_M', fileStem: 'other' })
    expect(put.status).toBe(200)
    expect((await api('GET', '/api/catalog')).body.data.map((e: { id: string }) => e.id)).toContain('other')
    const r = await runCli(['models', 'pull', 'other', '--url', node.url])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Other-Q5_K_M stored')
    await waitFor(async () => (await chat('other')).status === 200, 'served by name', 20_000)
    expect((await api('DELETE', '/api/catalog/other')).status).toBe(204)
    const builtinDelete = await api('DELETE', '/api/catalog/qwen2.5-7b-instruct')
    expect(builtinDelete.status).toBe(404)
    const bad = await api('PUT', '/api/catalog/x', { repo: 'not a repo' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.param).toBe('repo')
  })
})
