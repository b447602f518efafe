/**
 * Cluster-wide history and token statistics across three agents: pages merged by time from every
 * node, and with one peer killed, a partial answer that says which node failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { meshAddress, modelIdsOf, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'

let f1: RunningAgent
let f2: RunningAgent
let f3: RunningAgent
const KEY = 'c3'.repeat(32)

interface Page {
  data: { id: string; ts: number; ingressNode: string }[]
  total: number
  nodes_answered: string[]
  nodes_failed: { node: string; error: string }[]
  partial: boolean
}

const page = async (a: RunningAgent, query: string): Promise<Page> => (await (await fetch(`${a.url}/api/history?${query}`)).json()) as Page

async function chat(a: RunningAgent, id: string, model: string): Promise<void> {
  const r = await fetch(`${a.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }) })
  expect(r.status).toBe(200)
  await r.text()
}

beforeAll(async () => {
  f1 = await startAgent({ name: 'f1', models: [await tinyModel('model-1')], clusterKey: KEY })
  const seed = await meshAddress(f1)
  ;[f2, f3] = await Promise.all([
    startAgent({ name: 'f2', models: [await tinyModel('model-2', { seed: 2 })], clusterKey: KEY, peers: [seed] }),
    startAgent({ name: 'f3', models: [await tinyModel('model-3', { seed: 3 })], clusterKey: KEY, peers: [seed] })
  ])
  for (const a of [f1, f2, f3]) await waitFor(async () => (await modelIdsOf(a)).length === 3, `${a.name} to see 3 models`, 60_000)
  // interleaved in time across ingress nodes, some forwarded
  const plan: [RunningAgent, string][] = [
    [f1, 'model-1'],
    [f2, 'model-1'],
    [f3, 'model-3'],
    [f1, 'model-2'],
    [f3, 'model-1'],
    [f2, 'model-2'],
    [f3, 'model-2'],
    [f1, 'model-3'],
    [f3, 'model-3']
  ]
  for (const [i, [a, model]] of plan.entries()) await chat(a, `fed-${i}-${a.name}`, model)
})
afterAll(stopAllAgents)

describe('federated history', () => {
  it('a cluster page merges every node by time and says who answered', async () => {
    const all = await page(f2, 'scope=cluster&per_page=100')
    expect(all.total).toBe(9)
    expect(all.nodes_answered.sort()).toEqual(['f1', 'f2', 'f3'])
    expect(all.partial).toBe(false)
    expect(all.data.map((r) => r.id)).toEqual(Array.from({ length: 9 }, (_, i) => i).reverse().map((i) => all.data.find((r) => r.id.startsWith(`fed-${i}-`))?.id))
    for (const r of all.data) expect(r.id.endsWith(r.ingressNode)).toBe(true)
    const p2 = await page(f2, 'scope=cluster&per_page=4&page=2')
    expect(p2.data.map((r) => r.id)).toEqual(all.data.slice(4, 8).map((r) => r.id))
    const filtered = await page(f1, 'scope=cluster&model=model-1')
    expect(filtered.total).toBe(3)
    const local = await page(f3, 'per_page=100')
    expect(local.total).toBe(4)
    expect(local.nodes_answered).toEqual(['f3'])
    const detail = await fetch(`${f1.url}/api/history/fed-2-f3?scope=cluster`)
    expect(detail.status).toBe(200)
  })

  it('exports the whole cluster, merged by time', async () => {
    const res = await fetch(`${f3.url}/api/history/export?scope=cluster&format=json`)
    expect(res.headers.get('x-llmlb-nodes-answered')?.split(',').sort()).toEqual(['f1', 'f2', 'f3'])
    const all = (await res.json()) as { id: string }[]
    expect(all.map((r) => r.id)).toEqual((await page(f2, 'scope=cluster&per_page=100')).data.map((r) => r.id))
    const csv = await (await fetch(`${f1.url}/api/history/export?scope=cluster&format=csv&model=model-2`)).text()
    expect(csv.trimEnd().split('\r\n')).toHaveLength(4)
  })

  it('cluster token statistics add up every node', async () => {
    const s = (await (await fetch(`${f1.url}/api/stats/tokens?scope=cluster&group=node`)).json()) as { totals: { requests: number }; data: { group: string; requests: number }[]; nodes_answered: string[] }
    expect(s.totals.requests).toBe(9)
    expect(s.nodes_answered).toHaveLength(3)
    expect(s.data.find((d) => d.group === 'f1')?.requests).toBe(3)
  })

  it('with one peer down the answer is partial and names the failed node', async () => {
    await f3.kill()
    const p = await page(f1, 'scope=cluster&per_page=100')
    expect(p.partial).toBe(true)
    expect(p.nodes_failed.map((f) => f.node)).toEqual(['f3'])
    expect(p.nodes_answered.sort()).toEqual(['f1', 'f2'])
    expect(p.total).toBe(5)
    expect(p.data.every((r) => r.ingressNode !== 'f3')).toBe(true)
    // once the mesh has declared it dead, it is still reported (without being asked)
    await waitFor(async () => (await (await fetch(`${f1.url}/api/nodes`)).json() as { data: { name: string; status: string }[] }).data.some((n) => n.name === 'f3' && n.status === 'dead'), 'f3 to be dead', 60_000)
    const later = await page(f1, 'scope=cluster')
    expect(later.nodes_failed).toEqual([{ node: 'f3', error: 'peer is down' }])
  })
})
