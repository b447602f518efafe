/**
 * Pulls from a local mock of the Hugging Face hub (its real protocol: model info, tree with LFS
 * SHA-256, resolve/ redirected to a separate CDN, Range) onto a real agent, which then serves the
 * model through the official openai client: by URL (the CLI, with its progress), by repo with the
 * default quantization, two pulls at once (one download), a gated repo, a corrupted byte, a store
 * size limit, and a kill -9 half way through a download followed by a resume.
 */
import { readdir, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTinyGguf, buildTinyGgufSplits, buildTinyMmproj } from '../../../native-runtime/src/index.js'
import { dataUrl, pngImage } from '../../helpers/images.js'
import { runCli, startAgent, stopAllAgents, tempDir, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { startMockHub, type MockHub } from '../../../scripts/mock-hf-hub.js'

let hub: MockHub
let node: RunningAgent
const TOKEN = 'hf_mock_token_1'

const gguf = (name: string, seed: number): Buffer => Buffer.from(buildTinyGguf({ name, seed, readable: true }))

async function api(a: RunningAgent, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${a.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

const pullOf = async (a: RunningAgent, id: string): Promise<any> => (await api(a, 'GET', '/api/models')).body.pulls.find((p: any) => p.id === id)
const storedIds = async (a: RunningAgent): Promise<string[]> => (await api(a, 'GET', '/api/models')).body.data.map((m: any) => m.id)

async function chat(a: RunningAgent, model: string): Promise<string> {
  const client = new OpenAI({ baseURL: `${a.url}/v1`, apiKey: 'unused' })
  const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 })
  return r.choices[0]?.message.content ?? ''
}

beforeAll(async () => {
  hub = await startMockHub([
    { repo: 'test-org/Tiny-GGUF', files: { 'Tiny-Q4_K_M.gguf': gguf('tiny-q4', 3), 'Tiny-Q8_0.gguf': gguf('tiny-q8', 4), 'README.md': Buffer.from('# tiny\n') } },
    { repo: 'test-org/Other-GGUF', files: { 'Other-Q5_K_M.gguf': gguf('other', 5) } },
    { repo: 'test-org/Gated-GGUF', files: { 'Gated-Q4_K_M.gguf': gguf('gated', 6) }, gatedToken: TOKEN },
    { repo: 'test-org/Corrupt-GGUF', files: { 'Corrupt-Q4_K_M.gguf': gguf('corrupt', 7) } },
    // a vision model as such repos ship it: the weights split in two (llama.cpp's gguf-split) and a projector
    { repo: 'test-org/Vision-GGUF', files: Object.fromEntries([...buildTinyGgufSplits({ name: 'vision', seed: 9, readable: true }, 2).map((b, i) => [`Vision-Q4_K_M-0000${i + 1}-of-00002.gguf`, b]), ['mmproj-Vision-F16.gguf', buildTinyMmproj({ textEmbd: 64 })], ['Vision-Q8_0.gguf', gguf('vision-q8', 10)]]) },
    { repo: 'test-org/Slow-GGUF', files: { 'Slow-Q4_K_M.gguf': Buffer.from(buildTinyGguf({ name: 'slow', seed: 8, layers: 4, embd: 128, ff: 256 })) } }
  ])
  node = await startAgent({ name: 'puller', env: { HF_ENDPOINT: hub.endpoint } })
})

afterAll(async () => {
  await stopAllAgents()
  await hub?.close()
})

describe('llmlb models pull from a Hugging Face hub', () => {
  it('pulls a file named by URL with the CLI (progress, verified), registers its metadata and serves it', async () => {
    const url = `${hub.endpoint}/test-org/Tiny-GGUF/blob/main/Tiny-Q8_0.gguf`
    const r = await runCli(['models', 'pull', url, '--url', node.url])
    expect(r.code).toBe(0)
    // the progress bar (stderr: stdout keeps the result lines)
    expect(r.stderr).toContain('100%')
    // finished, the line keeps the pull's average rate and its time instead of a rate of 0 and an ETA
    expect(r.stderr).toMatch(/100% [\d.]+ \w+\/[\d.]+ \w+ [1-9][\d.]* \w+\/s in \d+\.\d s done/)
    expect(r.stdout).toContain('Tiny-Q8_0 stored')
    expect(r.stdout).toContain('SHA-256 verified')
    const m = (await api(node, 'GET', '/api/models/Tiny-Q8_0')).body
    expect(m).toMatchObject({ id: 'Tiny-Q8_0', architecture: 'llama', quantization: 'F32', sha256: hub.sha256Of('test-org/Tiny-GGUF', 'Tiny-Q8_0.gguf'), source: { kind: 'hf', repo: 'test-org/Tiny-GGUF' } })
    // the header's file type wins over the file name (the tiny generator writes F32 tensors)
    expect(m.parameters).toBeGreaterThan(1000)
    expect(m.contextLength).toBe(512)
    await waitFor(async () => (await api(node, 'GET', '/api/models/Tiny-Q8_0')).body.state === 'loaded', 'pulled model loaded')
    expect((await chat(node, 'Tiny-Q8_0')).length).toBeGreaterThan(0)
  })

  it('picks Q4_K_M by default, says why, and two pulls at once download the file once', async () => {
    const [a, b] = await Promise.all([api(node, 'POST', '/api/models/pull', { source: 'test-org/Tiny-GGUF' }), api(node, 'POST', '/api/models/pull', { source: 'test-org/Tiny-GGUF' })])
    expect(a.status).toBe(202)
    expect(b.status).toBe(202)
    expect(a.body.pull.id).toBe(b.body.pull.id)
    expect(a.body.pull.modelId).toBe('Tiny-Q4_K_M')
    expect(a.body.pull.choice).toContain('Q4_K_M')
    await waitFor(async () => (await pullOf(node, a.body.pull.id))?.state === 'done', 'pull done')
    const sha = hub.sha256Of('test-org/Tiny-GGUF', 'Tiny-Q4_K_M.gguf')
    expect(hub.hits.filter((h) => h.sha256 === sha)).toHaveLength(1)
    await waitFor(async () => (await api(node, 'GET', '/api/models/Tiny-Q4_K_M')).body.state === 'loaded', 'model loaded')
    expect((await chat(node, 'Tiny-Q4_K_M')).length).toBeGreaterThan(0)
    // asked again once stored: nothing downloaded
    const again = await api(node, 'POST', '/api/models/pull', { source: 'test-org/Tiny-GGUF:Q4_K_M' })
    expect(again.body.pull.state).toBe('done')
    expect(hub.hits.filter((h) => h.sha256 === sha)).toHaveLength(1)
  })

  it('pulls every part of a split GGUF and its projector: the model loads from its parts and answers with an image', async () => {
    const r = await api(node, 'POST', '/api/models/pull', { source: 'test-org/Vision-GGUF' })
    expect(r.status).toBe(202)
    expect(r.body.pull.modelId).toBe('Vision-Q4_K_M')
    expect(r.body.pull.files.map((f: { name: string }) => f.name)).toEqual(['Vision-Q4_K_M-00001-of-00002.gguf', 'Vision-Q4_K_M-00002-of-00002.gguf', 'mmproj-Vision-F16.gguf'])
    await waitFor(async () => (await pullOf(node, r.body.pull.id))?.state === 'done', 'pull done')
    for (const f of r.body.pull.files as { name: string }[]) expect(hub.hits.some((h) => h.sha256 === hub.sha256Of('test-org/Vision-GGUF', f.name))).toBe(true)
    // the other quantization was not fetched
    expect(hub.hits.some((h) => h.sha256 === hub.sha256Of('test-org/Vision-GGUF', 'Vision-Q8_0.gguf'))).toBe(false)
    await waitFor(async () => (await api(node, 'GET', '/api/models/Vision-Q4_K_M')).body.state === 'loaded', 'split model loaded')
    const m = (await api(node, 'GET', '/api/models/Vision-Q4_K_M')).body
    expect(m.files).toHaveLength(3)
    expect(m.capabilities.vision).toBe(true)
    const client = new OpenAI({ baseURL: `${node.url}/v1`, apiKey: 'unused' })
    const answer = await client.chat.completions.create({ model: 'Vision-Q4_K_M', max_tokens: 4, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: dataUrl(pngImage()) } }] }] })
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0)
  })

  it('takes the nearest quantization when the wanted one is missing', async () => {
    const r = await api(node, 'POST', '/api/models/pull', { source: 'test-org/Other-GGUF', quant: 'Q4_K_M' })
    expect(r.status).toBe(202)
    expect(r.body.pull.modelId).toBe('Other-Q5_K_M')
    expect(r.body.pull.choice).toMatch(/Q4_K_M is not offered.*Q5_K_M is the nearest/)
    await waitFor(async () => (await pullOf(node, r.body.pull.id))?.state === 'done', 'pull done')
  })

  it('a gated repo without HF_TOKEN is a clear 403 naming HF_TOKEN; bad sources are 400/404', async () => {
    const gated = await api(node, 'POST', '/api/models/pull', { source: 'test-org/Gated-GGUF' })
    expect(gated.status).toBe(403)
    expect(gated.body.error.code).toBe('hub_access_denied')
    expect(gated.body.error.message).toContain('HF_TOKEN')
    const bad = await api(node, 'POST', '/api/models/pull', { source: 'not a repo' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.param).toBe('source')
    const missing = await api(node, 'POST', '/api/models/pull', { source: 'test-org/Tiny-GGUF/Nope-Q4_K_M.gguf' })
    expect(missing.status).toBe(400)
    expect(missing.body.error.message).toContain('Nope-Q4_K_M.gguf')
    expect((await fetch(`${node.url}/health`)).status).toBe(200)
  })

  it('a node with HF_TOKEN pulls the gated repo (the token goes to the hub, not the CDN)', async () => {
    const gatedNode = await startAgent({ name: 'token-holder', env: { HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN } })
    const r = await api(gatedNode, 'POST', '/api/models/pull', { source: 'test-org/Gated-GGUF' })
    expect(r.status).toBe(202)
    await waitFor(async () => (await pullOf(gatedNode, r.body.pull.id))?.state === 'done', 'gated pull done')
    const cdnHits = hub.hits.filter((h) => h.sha256 === hub.sha256Of('test-org/Gated-GGUF', 'Gated-Q4_K_M.gguf'))
    expect(cdnHits).toHaveLength(1)
    expect(cdnHits[0]?.authorization).toBe(false)
    await gatedNode.stop()
    // a token the hub does not accept for this repo: its 403 is said as such
    const wrong = await startAgent({ name: 'wrong-token', env: { HF_ENDPOINT: hub.endpoint, HF_TOKEN: 'hf_not_allowed' } })
    const denied = await api(wrong, 'POST', '/api/models/pull', { source: 'test-org/Gated-GGUF' })
    expect(denied.status).toBe(403)
    expect(denied.body.error.code).toBe('hub_access_denied')
    expect(denied.body.error.message).toMatch(/403 .*HF_TOKEN of this node may not read it/)
    await wrong.stop()
  })

  it('a corrupted byte fails the SHA-256 check: nothing is registered, no file is left', async () => {
    hub.corrupt(hub.sha256Of('test-org/Corrupt-GGUF', 'Corrupt-Q4_K_M.gguf'))
    const r = await api(node, 'POST', '/api/models/pull', { source: 'test-org/Corrupt-GGUF' })
    expect(r.status).toBe(202)
    const p = await waitFor(async () => {
      const x = await pullOf(node, r.body.pull.id)
      return x?.state === 'failed' ? x : undefined
    }, 'pull failed')
    expect(p.error).toContain('SHA-256')
    expect(await storedIds(node)).not.toContain('Corrupt-Q4_K_M')
    expect(existsSync(join(node.dataDir, 'models', 'hf', 'test-org--Corrupt-GGUF', 'Corrupt-Q4_K_M.gguf'))).toBe(false)
    expect(await readdir(join(node.dataDir, 'models', '.partial'))).toEqual([])
  })

  it('a pull that does not fit the store size limit is refused with the sizes, leaving nothing', async () => {
    const dataDir = await tempDir()
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ modelStore: { maxBytes: 1000 } }))
    const small = await startAgent({ name: 'small-disk', dataDir, env: { HF_ENDPOINT: hub.endpoint } })
    const r = await api(small, 'POST', '/api/models/pull', { source: 'test-org/Other-GGUF' })
    expect(r.status).toBe(507)
    expect(r.body.error.code).toBe('insufficient_storage')
    expect(r.body.error.message).toMatch(/needs [\d.]+ KB, the model store .* has [\d.]+ KB left/)
    expect((await api(small, 'GET', '/api/models')).body.pulls).toEqual([])
    expect(existsSync(join(dataDir, 'models', 'hf'))).toBe(false)
    await small.stop()
  })

  it('a node killed (-9) half way through a download resumes it at restart with Range, not from zero', async () => {
    const dataDir = await tempDir()
    const sha = hub.sha256Of('test-org/Slow-GGUF', 'Slow-Q4_K_M.gguf')
    const size = await slowSize()
    hub.setThrottle(Math.ceil(size / 8))
    let a = await startAgent({ name: 'killed', dataDir, env: { HF_ENDPOINT: hub.endpoint } })
    const r = await api(a, 'POST', '/api/models/pull', { source: 'test-org/Slow-GGUF' })
    expect(r.status).toBe(202)
    await waitFor(async () => {
      const p = await pullOf(a, r.body.pull.id)
      return p && p.files[0].received > size * 0.3
    }, 'a third downloaded')
    await a.kill()
    hub.setThrottle(0)
    a = await startAgent({ name: 'killed', dataDir, env: { HF_ENDPOINT: hub.endpoint } })
    await waitFor(async () => (await pullOf(a, r.body.pull.id))?.state === 'done', 'resumed pull done', 60_000)
    const hits = hub.hits.filter((h) => h.sha256 === sha)
    expect(hits.length).toBe(2)
    expect(hits[1]?.start).toBeGreaterThan(size * 0.3)
    expect((hits[0]?.bytes ?? 0) + (hits[1]?.bytes ?? 0)).toBeLessThan(size * 1.2)
    await waitFor(async () => (await api(a, 'GET', '/api/models/Slow-Q4_K_M')).body.state === 'loaded', 'resumed model loaded')
    expect((await chat(a, 'Slow-Q4_K_M')).length).toBeGreaterThan(0)
  })
})

/** Size of the slow repo's GGUF, from the hub's own listing. */
async function slowSize(): Promise<number> {
  const tree = (await (await fetch(`${hub.endpoint}/api/models/test-org/Slow-GGUF/tree/main?recursive=true`)).json()) as { size: number }[]
  return tree[0]?.size ?? 0
}
