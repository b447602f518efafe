/**
 * Stored responses belong to the key that created them, on every node: two real agents with auth on,
 * the model on node 1, responses stored on node 2. Another key gets the OpenAI "not found" answers
 * (404 for reads, 400 `previous_response_not_found` for a continuation), on either node; an admin sees all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { localAdminHeaders, meshAddress, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'

const MODEL = 'auth-model'
let n1: RunningAgent
let n2: RunningAgent
let keyA: string
let keyB: string

async function newKey(name: string): Promise<string> {
  const r = await fetch(`${n1.url}/api/keys`, { method: 'POST', headers: { ...(await localAdminHeaders(n1)), 'content-type': 'application/json' }, body: JSON.stringify({ name, scopes: ['inference', 'models:read'] }) })
  expect(r.status).toBe(201)
  return ((await r.json()) as { key: string }).key
}

const client = (a: RunningAgent, key: string): OpenAI => new OpenAI({ baseURL: `${a.url}/v1`, apiKey: key, maxRetries: 0 })

beforeAll(async () => {
  const clusterKey = 'd4'.repeat(32)
  n1 = await startAgent({ name: 'k1', models: [await tinyModel(MODEL)], clusterKey, auth: true, adminPassword: 'resp-admin-pass-1' })
  n2 = await startAgent({ name: 'k2', clusterKey, peers: [await meshAddress(n1)], auth: true })
  ;[keyA, keyB] = [await newKey('owner'), await newKey('other')]
  for (const k of [keyA, keyB]) await waitFor(async () => (await fetch(`${n2.url}/v1/models`, { headers: { authorization: `Bearer ${k}` } })).status === 200 && (await client(n2, k).models.list()).data.some((m) => m.id === MODEL), 'keys and model on k2', 20_000)
})
afterAll(stopAllAgents)

describe('stored responses and keys', () => {
  it("only the creating key (or an admin) reads or continues a response, on any node", async () => {
    const r = await client(n2, keyA).responses.create({ model: MODEL, input: 'secret plans', max_output_tokens: 4 })
    // the owner, here and through the other node
    expect((await client(n2, keyA).responses.retrieve(r.id)).id).toBe(r.id)
    expect((await client(n1, keyA).responses.retrieve(r.id)).id).toBe(r.id)
    const next = await client(n1, keyA).responses.create({ model: MODEL, input: 'more', previous_response_id: r.id, max_output_tokens: 3 })
    expect(next.previous_response_id).toBe(r.id)

    // another key: as if it did not exist
    for (const a of [n1, n2]) {
      await expect(client(a, keyB).responses.retrieve(r.id)).rejects.toMatchObject({ status: 404, code: 'not_found' })
      await expect(client(a, keyB).responses.inputItems.list(r.id)).rejects.toMatchObject({ status: 404 })
      await expect(client(a, keyB).responses.delete(r.id)).rejects.toMatchObject({ status: 404 })
      await expect(client(a, keyB).responses.create({ model: MODEL, input: 'x', previous_response_id: r.id, max_output_tokens: 2 })).rejects.toMatchObject({ status: 400, code: 'previous_response_not_found', param: 'previous_response_id' })
    }
    // no key at all: 401 before anything
    const anon = await fetch(`${n2.url}/v1/responses/${r.id}`)
    expect(anon.status).toBe(401)

    // the local admin of either node sees it
    for (const a of [n2, n1]) {
      const got = await fetch(`${a.url}/v1/responses/${r.id}`, { headers: await localAdminHeaders(a) })
      expect(got.status).toBe(200)
      expect(((await got.json()) as { id: string }).id).toBe(r.id)
    }
    // still the owner's after all that
    expect((await client(n2, keyA).responses.retrieve(r.id)).output_text).toBe(r.output_text)
  })
})
