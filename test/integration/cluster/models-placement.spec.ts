/**
 * Placement of pulled models on a 3-node cluster: `llmlb models pull --all` on one node makes every
 * node download the model for itself from the (mock) hub; every node serves it; `llmlb models rm`
 * on one node updates every view (and the model is then served by another node through the mesh);
 * `rm --all` removes it everywhere.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTinyGguf } from '../../../native-runtime/src/index.js'
import { meshAddress, modelIdsOf, runCli, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { startMockHub, type MockHub } from '../../../scripts/mock-hf-hub.js'

let hub: MockHub
let n1: RunningAgent
let n2: RunningAgent
let n3: RunningAgent
const KEY = 'c3'.repeat(32)
const MODEL = 'Placed-Q4_K_M'

const nodesWith = async (a: RunningAgent, id: string): Promise<string[]> => {
  const body = (await (await fetch(`${a.url}/v1/models/${id}`)).json()) as { llmlb?: { nodes: string[] } }
  return (body.llmlb?.nodes ?? []).sort()
}

beforeAll(async () => {
  hub = await startMockHub([{ repo: 'test-org/Placed-GGUF', files: { 'Placed-Q4_K_M.gguf': Buffer.from(buildTinyGguf({ name: 'placed', seed: 11, readable: true })) } }])
  const env = { HF_ENDPOINT: hub.endpoint }
  n1 = await startAgent({ name: 'p1', models: [await tinyModel('seed-model')], clusterKey: KEY, env })
  const seed = await meshAddress(n1)
  ;[n2, n3] = await Promise.all([startAgent({ name: 'p2', clusterKey: KEY, peers: [seed], env }), startAgent({ name: 'p3', clusterKey: KEY, peers: [seed], env })])
  for (const a of [n1, n2, n3]) await waitFor(async () => (await modelIdsOf(a)).includes('seed-model'), `${a.name} to see the cluster`, 20_000)
  await waitFor(async () => {
    const r = (await (await fetch(`${n3.url}/api/nodes`)).json()) as { data: { status: string }[] }
    return r.data.filter((n) => n.status === 'alive').length === 3
  }, 'p3 to see 3 alive nodes', 20_000)
})

afterAll(async () => {
  await stopAllAgents()
  await hub?.close()
})

describe('models placed across the cluster', () => {
  it('pull --all from one node: every node downloads it for itself and serves it', async () => {
    const r = await runCli(['models', 'pull', 'test-org/Placed-GGUF', '--all', '--url', n3.url], {}, 120_000)
    expect(r.stderr).not.toContain('llmlb:')
    expect(r.code).toBe(0)
    for (const n of ['p1', 'p2', 'p3']) expect(r.stdout).toContain(`${n}: ${MODEL} stored`)
    // one download per node, each from the CDN
    expect(hub.hits.length).toBe(3)
    for (const a of [n1, n2, n3]) await waitFor(async () => (await nodesWith(a, MODEL)).length === 3, `${a.name} to see ${MODEL} on 3 nodes`, 20_000)
    const list = await runCli(['models', 'list', '--url', n1.url])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(new RegExp(`${MODEL}.*p1,p2,p3|${MODEL}.*p\\d,p\\d,p\\d`))
  })

  it('rm on one node updates every view; the model is then served by another node', async () => {
    const r = await runCli(['models', 'rm', MODEL, '--node', 'p3', '--url', n1.url])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`p3: removed ${MODEL}`)
    for (const a of [n1, n2, n3]) await waitFor(async () => JSON.stringify(await nodesWith(a, MODEL)) === JSON.stringify(['p1', 'p2']), `${a.name} to see ${MODEL} on p1,p2`, 20_000)
    const client = new OpenAI({ baseURL: `${n3.url}/v1`, apiKey: 'unused' })
    const { data, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }).withResponse()
    expect(data.choices[0]?.message).toBeDefined()
    expect(response.headers.get('x-llmlb-route')).toBe('forwarded')
    expect(['p1', 'p2']).toContain(response.headers.get('x-llmlb-served-by'))
    const stored = (await (await fetch(`${n3.url}/api/models?scope=cluster`)).json()) as { nodes: { node: string; data: { id: string }[] }[] }
    expect(stored.nodes.filter((n) => n.data.some((m) => m.id === MODEL)).map((n) => n.node).sort()).toEqual(['p1', 'p2'])
  })

  it('rm --all removes it everywhere', async () => {
    const r = await runCli(['models', 'rm', MODEL, '--all', '--url', n2.url])
    expect(r.code).toBe(0)
    for (const a of [n1, n2, n3]) await waitFor(async () => !(await modelIdsOf(a)).includes(MODEL), `${a.name} to drop ${MODEL}`, 20_000)
    const rmAgain = await runCli(['models', 'rm', MODEL, '--url', n2.url])
    expect(rmAgain.code).toBe(2)
    expect(rmAgain.stderr).toContain(`No model '${MODEL}'`)
  })
})
