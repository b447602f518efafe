/**
 * The official `ollama` npm client against the first node of a 3-node cluster whose model lives on the
 * third: list, ps, show, version, chat and generate (streamed and not), embed, errors readable as
 * strings, and the history records (api `ollama`, tokens, served-by node).
 */
import { Ollama } from 'ollama'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localAdminHeaders, stopAllAgents } from '../../helpers/agent-process.js'
import { historyOf, startProtocolCluster, type ProtocolCluster } from './cluster-fixture.js'

let c: ProtocolCluster
let ollama: Ollama

beforeAll(async () => {
  c = await startProtocolCluster('0c'.repeat(32), 'model-o')
  ollama = new Ollama({ host: c.ingress.url, headers: { authorization: `Bearer ${c.key}` } })
})
afterAll(stopAllAgents)

describe('ollama client against a node that does not hold the model', () => {
  it('list, ps, show and version describe the cluster', async () => {
    const list = await ollama.list()
    const m = list.models.find((x) => x.name === c.model)
    expect(m?.size).toBeGreaterThan(0)
    expect(m?.digest).toMatch(/^[0-9a-f]{64}$/)
    expect(m?.details.format).toBe('gguf')
    const ps = await ollama.ps()
    expect(ps.models.map((x) => x.name)).toContain(c.model)
    const show = await ollama.show({ model: `${c.model}:latest` })
    expect(show.capabilities).toContain('completion')
    expect(show.details.format).toBe('gguf')
    expect((await ollama.version()).version).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('chat without streaming answers one final object with counts and durations', async () => {
    const r = await ollama.chat({ model: c.model, stream: false, messages: [{ role: 'user', content: 'hello' }], options: { num_predict: 5, temperature: 0 } })
    expect(r.done).toBe(true)
    expect(r.done_reason).toBe('length')
    expect(r.message.role).toBe('assistant')
    expect(r.message.content.length).toBeGreaterThan(0)
    expect(r.eval_count).toBe(5)
    expect(r.prompt_eval_count).toBeGreaterThan(0)
    expect(r.total_duration).toBeGreaterThan(0)
    expect(r.total_duration).toBeGreaterThanOrEqual(r.eval_duration)
  })

  it('chat streams NDJSON parts ending with done', async () => {
    const parts = await ollama.chat({ model: c.model, stream: true, messages: [{ role: 'user', content: 'hello' }], options: { num_predict: 4 } })
    let text = ''
    let last: { done: boolean; eval_count?: number; done_reason?: string } | undefined
    let count = 0
    for await (const p of parts) {
      text += p.message.content
      last = p
      count++
    }
    expect(count).toBeGreaterThan(1)
    expect(last?.done).toBe(true)
    expect(last?.eval_count).toBe(4)
    expect(last?.done_reason).toBe('length')
    expect(text.length).toBeGreaterThan(0)
    // written line by line as tokens come (chunked), not gathered into one body with a length
    const raw = await fetch(`${c.ingress.url}/api/chat`, { method: 'POST', headers: { authorization: `Bearer ${c.key}` }, body: JSON.stringify({ model: c.model, messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 3 } }) })
    expect(raw.headers.get('content-type')).toBe('application/x-ndjson')
    expect(raw.headers.get('content-length')).toBeNull()
    expect(raw.headers.get('x-llmlb-served-by')).toBe(c.server.name)
    const lines = (await raw.text()).trim().split('\n').map((l) => JSON.parse(l) as { done: boolean; eval_count?: number })
    // one line per token that produced text (a token can complete a character only with the next), then the final one
    expect(lines.length).toBeGreaterThanOrEqual(2)
    expect(lines.map((l) => l.done)).toEqual([...lines.slice(1).map(() => false), true])
    expect(lines.at(-1)?.eval_count).toBe(3)
  })

  it('generate answers with and without streaming', async () => {
    const one = await ollama.generate({ model: c.model, prompt: 'Once upon', system: 'Tell a story.', stream: false, options: { num_predict: 3 } })
    expect(one.done).toBe(true)
    expect(one.response?.length).toBeGreaterThan(0)
    expect(one.eval_count).toBe(3)
    const parts = await ollama.generate({ model: c.model, prompt: 'Once upon', stream: true, options: { num_predict: 3 } })
    let text = ''
    let done = false
    for await (const p of parts) {
      text += p.response
      done = p.done
    }
    expect(done).toBe(true)
    expect(text.length).toBeGreaterThan(0)
  })

  it('embed and the older embeddings route return vectors', async () => {
    const r = await ollama.embed({ model: c.model, input: ['hello', 'world'] })
    expect(r.embeddings).toHaveLength(2)
    expect(r.embeddings[0]?.length).toBeGreaterThan(0)
    const old = await ollama.embeddings({ model: c.model, prompt: 'hello' })
    expect(old.embedding.length).toBe(r.embeddings[0]?.length)
  })

  it('errors reach the client as readable strings with Ollama statuses', async () => {
    const missing = await ollama.chat({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }], stream: false }).catch((e: unknown) => e)
    expect(missing).toMatchObject({ status_code: 404 })
    expect((missing as Error).message).toContain('no-such-model')
    expect((missing as Error).message).not.toContain('[object Object]')
    const vision = await ollama.chat({ model: c.model, stream: false, messages: [{ role: 'user', content: 'What is this?', images: ['iVBORw0KGgo='] }] }).catch((e: unknown) => e)
    expect(vision).toMatchObject({ status_code: 400 })
    expect((vision as Error).message).toContain('vision')
    const forbidden = await ollama.pull({ model: c.model, stream: false }).catch((e: unknown) => e)
    expect(forbidden).toMatchObject({ status_code: 403 })
    const admin = new Ollama({ host: c.ingress.url, headers: await localAdminHeaders(c.ingress) })
    // an admin may pull and delete (test/integration/protocols/ollama-pull.spec.ts): a name that is neither
    // a Hugging Face repo nor a catalog entry is a 400; a model stored on another node is no model of this one
    const pull = await admin.pull({ model: c.model, stream: false }).catch((e: unknown) => e)
    expect(pull).toMatchObject({ status_code: 400 })
    expect((pull as Error).message).toContain('Hugging Face')
    const del = await admin.delete({ model: c.model }).catch((e: unknown) => e)
    expect(del).toMatchObject({ status_code: 404 })
    expect((del as Error).message).toContain(c.model)
    const badKey = new Ollama({ host: c.ingress.url, headers: { authorization: 'Bearer wrong' } })
    const denied = await badKey.list().catch((e: unknown) => e)
    expect(denied).toMatchObject({ status_code: 401 })
    expect(typeof (denied as Error).message).toBe('string')
    expect((denied as Error).message.length).toBeGreaterThan(0)
  })

  it('every generation and embedding above is in history as ollama, with tokens and the serving node', async () => {
    const records = (await historyOf(c, 'ollama')).filter((r) => r.status === 200)
    // chat ×2, generate ×2, embed, embeddings
    expect(records.length).toBeGreaterThanOrEqual(6)
    for (const r of records) {
      expect(r.servedBy).toBe(c.server.name)
      expect(r.inputTokens).toBeGreaterThan(0)
    }
    expect(records.filter((r) => r.outputTokens > 0).length).toBeGreaterThanOrEqual(4)
    expect(records.some((r) => r.stream)).toBe(true)
  })
})
