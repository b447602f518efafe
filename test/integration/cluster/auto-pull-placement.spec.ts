/**
 * `--auto-pull` on a 3-node cluster where the ingress has the smallest memory budget: a request for
 * a catalog model that no node has is answered 503 model_pulling naming the node with the most free
 * budget, the model is downloaded there (once, through the peer's pull API), and the ingress's retry
 * is forwarded to that node and served; the history record stays on the ingress.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTinyGguf } from '../../../native-runtime/src/index.js'
import { meshAddress, startAgent, stopAllAgents, tempDir, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { startMockHub, type MockHub } from '../../../scripts/mock-hf-hub.js'

let hub: MockHub
let ingress: RunningAgent
let mid: RunningAgent
let best: RunningAgent
const KEY = 'a9'.repeat(32)
const MODEL = 'Auto-Q4_K_M'
const MiB = 1 << 20

/** On every node: a forwarded request carries the client's model name, resolved where it is served. */
const CATALOG = [{ id: 'auto-chat', repo: 'test-org/Auto-GGUF', fileStem: 'auto', aliases: ['autochat'] }]

async function node(name: string, budgetBytes: number, peers: string[], args: string[] = []): Promise<RunningAgent> {
  const dataDir = await tempDir()
  await writeFile(join(dataDir, 'config.json'), JSON.stringify({ modelStore: { memoryBudgetBytes: budgetBytes } }))
  await writeFile(join(dataDir, 'catalog.json'), JSON.stringify(CATALOG))
  return startAgent({ name, dataDir, clusterKey: KEY, peers, args, env: { HF_ENDPOINT: hub.endpoint } })
}

const storedOn = async (a: RunningAgent): Promise<string[]> => {
  const body = (await (await fetch(`${a.url}/api/models?scope=cluster`)).json()) as { nodes: { node: string; data?: { id: string }[] }[] }
  return body.nodes.filter((n) => n.data?.some((m) => m.id === MODEL)).map((n) => n.node)
}

beforeAll(async () => {
  hub = await startMockHub([{ repo: 'test-org/Auto-GGUF', files: { 'Auto-Q4_K_M.gguf': Buffer.from(buildTinyGguf({ name: 'auto', seed: 31, readable: true })) } }])
  // only the ingress has --auto-pull: the placed node is asked through its pull API
  ingress = await node('ap1', 64 * MiB, [], ['--auto-pull'])
  const seed = await meshAddress(ingress)
  ;[mid, best] = await Promise.all([node('ap2', 1024 * MiB, [seed]), node('ap3', 2048 * MiB, [seed])])
  await waitFor(async () => {
    const r = (await (await fetch(`${ingress.url}/api/nodes`)).json()) as { data: { status: string }[] }
    return r.data.filter((n) => n.status === 'alive').length === 3
  }, 'ap1 to see 3 alive nodes', 20_000)
})

afterAll(async () => {
  await stopAllAgents()
  await hub?.close()
})

describe('--auto-pull places the model on the best node', () => {
  it('pulls onto the node with the most free memory budget and serves the ingress from there', async () => {
    const client = new OpenAI({ baseURL: `${ingress.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const ask = () => client.chat.completions.create({ model: 'autochat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }).withResponse()
    const first = await ask().catch((e: unknown) => e as { status: number; code: string; message: string; headers: Headers })
    expect(first).toMatchObject({ status: 503, code: 'model_pulling' })
    const err = first as { message: string; headers: Headers }
    expect(err.message).toMatch(/being pulled from test-org\/Auto-GGUF onto node ap3/)
    expect(err.headers.get('retry-after')).toBe('10')

    // the ingress's retries are served once the model is in its view, forwarded to ap3
    const served = await waitFor(async () => ask().catch(() => undefined), 'the ingress to serve the model', 60_000, 250)
    expect(served.data.model).toBe(MODEL)
    expect(served.response.headers.get('x-llmlb-route')).toBe('forwarded')
    expect(served.response.headers.get('x-llmlb-served-by')).toBe('ap3')

    // stored on ap3 only, downloaded once however many requests asked
    expect(await storedOn(ingress)).toEqual(['ap3'])
    expect(await storedOn(mid)).toEqual([best.name])
    expect(hub.hits.filter((h) => h.start === 0)).toHaveLength(1)

    // the request is recorded where it entered
    const id = served.response.headers.get('x-request-id') as string
    const rec = (await (await fetch(`${ingress.url}/api/history/${id}`)).json()) as Record<string, unknown>
    expect(rec).toMatchObject({ id, status: 200, ingressNode: 'ap1', servedBy: 'ap3', route: 'forwarded', model: MODEL })
  })
})
