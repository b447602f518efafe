/**
 * Engines across a cluster of real agents: a box with Ollama (mock) and a box with llama.cpp's
 * server (mock) join; their models are advertised with their engine and answer through any node
 * (official openai client, stream and not, history at the ingress); an engine whose requests fail
 * is failed over to another holder before the first byte; a dead engine's models leave every view and
 * come back by themselves; `llmlb engines` and the admin API refuse what is not an engine.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { meshAddress, nodesOf, runCli, startAgent, stopAllAgents, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { startMisbehaving, startMockEngine, type MockEngine } from '../../../scripts/mock-engines/index.js'

interface V1Model {
  id: string
  llmlb: { nodes: string[]; engines: string[]; capabilities: Record<string, boolean> }
}

const models = async (a: RunningAgent): Promise<V1Model[]> => ((await (await fetch(`${a.url}/v1/models`)).json()) as { data: V1Model[] }).data
const client = (a: RunningAgent): OpenAI => new OpenAI({ baseURL: `${a.url}/v1`, apiKey: 'unused', maxRetries: 0 })

let ollama: MockEngine
let lcpp: MockEngine
let vllm: MockEngine
let a: RunningAgent
let b: RunningAgent
let c: RunningAgent

beforeAll(async () => {
  const key = 'e7'.repeat(32)
  ollama = await startMockEngine('ollama', { models: [{ id: 'llama3.2', tools: true }, { id: 'shared' }], answer: 'Hello from Ollama' })
  lcpp = await startMockEngine('llamacpp', { models: [{ id: 'qwen-vl', vision: true }], answer: 'Hello from llama.cpp' })
  vllm = await startMockEngine('vllm', { models: [{ id: 'shared' }], answer: 'Hello from vLLM' })
  a = await startAgent({ name: 'ea', clusterKey: key, args: ['--engine', ollama.url] })
  const seed = await meshAddress(a)
  ;[b, c] = await Promise.all([startAgent({ name: 'eb', clusterKey: key, peers: [seed], args: ['--engine', lcpp.url, '--engine', vllm.url] }), startAgent({ name: 'ec', clusterKey: key, peers: [seed] })])
  await waitFor(async () => (await nodesOf(c)).filter((n) => n.status === 'alive' || n.self).length === 3, 'ec to see ea and eb', 60_000)
}, 180_000)

afterAll(async () => {
  await stopAllAgents()
  await Promise.all([ollama, lcpp, vllm].map((e) => e?.stop().catch(() => undefined)))
})

describe('engines in a cluster', () => {
  it('advertise their models with their engine and capabilities to every node', async () => {
    const list = await waitFor(async () => {
      const m = await models(c)
      return m.length === 3 && m.find((x) => x.id === 'shared')?.llmlb.nodes.length === 2 ? m : undefined
    }, 'ec to list every engine model', 30_000)
    expect(list.find((m) => m.id === 'llama3.2')?.llmlb).toMatchObject({ nodes: ['ea'], engines: ['ollama'], capabilities: { chat: true, tools: true, vision: false } })
    expect(list.find((m) => m.id === 'qwen-vl')?.llmlb).toMatchObject({ nodes: ['eb'], engines: ['llamacpp'], capabilities: { chat: true, vision: true } })
    expect(list.find((m) => m.id === 'shared')?.llmlb.engines.sort()).toEqual(['ollama', 'vllm'])
  })

  it('answer through any node with the official client, stream and not, with history at the ingress', async () => {
    for (const [model, answer] of [
      ['llama3.2', 'Hello from Ollama'],
      ['qwen-vl', 'Hello from llama.cpp']
    ] as const) {
      const plain = await client(c).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi there' }] })
      expect(plain.choices[0]?.message.content).toBe(answer)
      expect(plain.usage?.completion_tokens).toBe(3)
      let text = ''
      const stream = await client(c).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true })
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
      expect(text).toBe(answer)
    }
    const history = await waitFor(async () => {
      const page = (await (await fetch(`${c.url}/api/history?model=llama3.2`)).json()) as { data: { servedBy: string; status: number; outputTokens: number }[] }
      return page.data.length === 2 ? page.data : undefined
    }, 'history of the requests at ec', 15_000)
    for (const r of history) expect(r).toMatchObject({ servedBy: 'ea', status: 200 })
    // the answer's usage when it carried one; a stream without usage is estimated from its events
    expect(history.some((r) => r.outputTokens === 3)).toBe(true)
    for (const r of history) expect(r.outputTokens).toBeGreaterThan(0)
  })

  it('fail over before the first byte when an engine fails, from its own node and from another', async () => {
    // eb's vLLM reports a long queue and is slow once measured (a mock's millisecond service time
    // would make even a queue of 50 cheap), so ea's own Ollama is every router's first choice for `shared`
    vllm.load.waiting = 50
    vllm.delayMs = 1_000
    try {
      await waitFor(async () => (await nodesOf(c)).find((n) => n.name === 'eb')?.models.find((m) => m.id === 'shared' && m.queueDepth >= 50), 'the long queue to be gossiped', 15_000)
      for (const ingress of [a, c]) {
        await waitFor(async () => (await models(ingress)).find((m) => m.id === 'shared')?.llmlb.nodes.includes('ea'), `ea to advertise shared again to ${ingress.name}`, 30_000)
        const tried = ollama.hits.get('POST /api/chat') ?? 0
        ollama.failInference = true
        const res = await client(ingress).chat.completions.create({ model: 'shared', messages: [{ role: 'user', content: 'x' }] }).withResponse()
        ollama.failInference = false
        expect(res.data.choices[0]?.message.content).toBe('Hello from vLLM')
        expect(res.response.headers.get('x-llmlb-served-by')).toBe('eb')
        expect(ollama.hits.get('POST /api/chat') ?? 0, `route ${res.response.headers.get('x-llmlb-route')} ${res.response.headers.get('x-llmlb-route-reason')}`).toBeGreaterThan(tried)
      }
    } finally {
      ollama.failInference = false
      vllm.delayMs = 0
      vllm.load.waiting = 0
    }
  })

  it('take a dead engine’s models out of every view; they come back by themselves', async () => {
    await ollama.stop()
    for (const n of [a, b, c]) await waitFor(async () => !(await models(n)).some((m) => m.id === 'llama3.2'), `llama3.2 to leave ${n.name}`, 20_000)
    await expect(client(c).chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404 })
    await ollama.restart()
    for (const n of [a, b, c]) await waitFor(async () => (await models(n)).some((m) => m.id === 'llama3.2'), `llama3.2 to come back to ${n.name}`, 20_000)
    const r = await client(c).chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] })
    expect(r.choices[0]?.message.content).toBe('Hello from Ollama')
  })

  it('are managed with llmlb engines, which refuses what is not an engine; the node keeps serving', async () => {
    const sglang = await startMockEngine('sglang', { models: [{ id: 'sg-model' }] })
    const web = await startMisbehaving('web-page')
    try {
      const added = await runCli(['engines', 'add', sglang.url, '--data-dir', c.dataDir])
      expect(added.code).toBe(0)
      expect(added.stdout).toMatch(/added sglang engine \w+ .*sg-model/)
      const listed = await runCli(['engines', 'list', '--data-dir', c.dataDir])
      expect(listed.stdout).toMatch(/sglang\s+up/)
      await waitFor(async () => (await models(a)).some((m) => m.id === 'sg-model'), 'sg-model to reach ea', 20_000)
      const refused = await runCli(['engines', 'add', web.url, '--data-dir', c.dataDir])
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/No inference engine answers/)
      const metadata = await fetch(`${c.url}/api/engines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://169.254.169.254/' }) })
      expect(metadata.status).toBe(400)
      expect(((await metadata.json()) as { error: { code: string } }).error.code).toBe('outbound_blocked')
      const removed = await runCli(['engines', 'rm', sglang.url, '--data-dir', c.dataDir])
      expect(removed.code).toBe(0)
      await waitFor(async () => !(await models(a)).some((m) => m.id === 'sg-model'), 'sg-model to leave ea', 20_000)
      const r = await client(c).chat.completions.create({ model: 'qwen-vl', messages: [{ role: 'user', content: 'x' }] })
      expect(r.choices[0]?.message.content).toBe('Hello from llama.cpp')
    } finally {
      await Promise.all([sglang.stop(), web.close()])
    }
  })
})
