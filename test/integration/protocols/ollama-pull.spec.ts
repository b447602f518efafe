/**
 * Ollama's model management through the official `ollama` client against two real agents, with a
 * local mock of the Hugging Face hub: `pull` of an `hf.co/org/repo:QUANT` name (Ollama's progress
 * stream, then the model answers through the other node), `pull` without streaming, `copy` (a
 * cluster-wide alias that the other node lists and serves), `delete` of the alias and of the model,
 * and the failures: a corrupted download, an unknown repo, an unknown source, a name already taken.
 */
import { Ollama } from 'ollama'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTinyGguf } from '../../../native-runtime/src/index.js'
import { meshAddress, startAgent, stopAllAgents, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { startMockHub, type MockHub } from '../../../scripts/mock-hf-hub.js'

const CLUSTER_KEY = '5e'.repeat(32)
let hub: MockHub
let a: RunningAgent
let b: RunningAgent
let atA: Ollama
let atB: Ollama

const gguf = (name: string, seed: number): Buffer => Buffer.from(buildTinyGguf({ name, seed, readable: true }))
const names = async (o: Ollama): Promise<string[]> => (await o.list()).models.map((m) => m.name)
const errorOf = async (p: Promise<unknown>): Promise<{ status_code?: number; message: string }> => {
  try {
    await p
  } catch (err) {
    return err as { status_code?: number; message: string }
  }
  throw new Error('expected a failure')
}

beforeAll(async () => {
  hub = await startMockHub([
    { repo: 'test-org/Tiny-GGUF', files: { 'Tiny-Q4_K_M.gguf': gguf('tiny-q4', 3), 'Tiny-Q8_0.gguf': gguf('tiny-q8', 4) } },
    { repo: 'test-org/Corrupt-GGUF', files: { 'Corrupt-Q4_K_M.gguf': gguf('corrupt', 7) } }
  ])
  a = await startAgent({ name: 'ollama-a', clusterKey: CLUSTER_KEY, env: { HF_ENDPOINT: hub.endpoint } })
  b = await startAgent({ name: 'ollama-b', clusterKey: CLUSTER_KEY, peers: [await meshAddress(a)] })
  atA = new Ollama({ host: a.url })
  atB = new Ollama({ host: b.url })
})

afterAll(async () => {
  await stopAllAgents()
  await hub?.close()
})

describe("Ollama's pull, copy and delete on the model store", () => {
  it('pulls hf.co/org/repo:QUANT with progress lines in order; the model then answers through the other node', async () => {
    const lines = []
    for await (const p of await atA.pull({ model: 'hf.co/test-org/Tiny-GGUF:Q4_K_M', stream: true })) lines.push(p)
    const statuses = lines.map((l) => l.status)
    expect(statuses[0]).toBe('pulling manifest')
    expect(statuses.slice(-3)).toEqual(['verifying sha256 digest', 'writing manifest', 'success'])
    const sha = hub.sha256Of('test-org/Tiny-GGUF', 'Tiny-Q4_K_M.gguf')
    const file = lines.filter((l) => l.digest === `sha256:${sha}`)
    expect(file.length).toBeGreaterThan(0)
    expect(file.at(-1)).toMatchObject({ status: `pulling ${sha.slice(0, 12)}`, total: file.at(-1)?.completed })
    for (let i = 1; i < file.length; i++) expect(file[i]?.completed).toBeGreaterThanOrEqual(file[i - 1]?.completed ?? 0)

    await waitFor(async () => (await names(atB)).includes('Tiny-Q4_K_M'), 'B to see the pulled model')
    const r = await atB.chat({ model: 'Tiny-Q4_K_M', stream: false, messages: [{ role: 'user', content: 'hello' }], options: { num_predict: 3 } })
    expect(r.done).toBe(true)
    expect(r.eval_count).toBeGreaterThan(0)
  })

  it('pulls without streaming: one success once the model is stored; a second pull of it succeeds at once', async () => {
    expect(await atA.pull({ model: 'test-org/Tiny-GGUF:Q8_0', stream: false })).toEqual({ status: 'success' })
    expect(await names(atA)).toContain('Tiny-Q8_0')
    expect(await atA.pull({ model: 'test-org/Tiny-GGUF:Q8_0', stream: false })).toEqual({ status: 'success' })
  })

  it('copy makes a cluster-wide alias: listed and served on the other node; deleting it keeps the model', async () => {
    await waitFor(async () => (await names(atA)).includes('Tiny-Q4_K_M'), 'the pulled model')
    expect(await atA.copy({ source: 'Tiny-Q4_K_M', destination: 'my-tiny' })).toEqual({ status: 'success' })
    await waitFor(async () => (await names(atB)).includes('my-tiny'), 'the alias to reach B')
    const listed = (await atB.list()).models.find((m) => m.name === 'my-tiny')
    const base = (await atB.list()).models.find((m) => m.name === 'Tiny-Q4_K_M')
    expect(listed?.digest).toBe(base?.digest)
    const r = await atB.chat({ model: 'my-tiny:latest', stream: false, messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 2 } })
    expect(r.done).toBe(true)
    expect((await atB.show({ model: 'my-tiny' })).capabilities).toContain('completion')

    // the source must exist; a real model's name is not taken over
    expect(await errorOf(atA.copy({ source: 'no-such-model', destination: 'x' }))).toMatchObject({ status_code: 404 })
    const taken = await errorOf(atA.copy({ source: 'my-tiny', destination: 'Tiny-Q8_0' }))
    expect(taken.status_code).toBe(400)
    expect(taken.message).toContain('already a model')

    await atB.delete({ model: 'my-tiny' })
    await waitFor(async () => !(await names(atA)).includes('my-tiny'), 'the alias to be gone on A')
    expect(await names(atA)).toContain('Tiny-Q4_K_M')
    expect(await errorOf(atB.chat({ model: 'my-tiny', stream: false, messages: [{ role: 'user', content: 'hi' }] }))).toMatchObject({ status_code: 404 })
  })

  it('a corrupted download ends the progress stream with an error the client throws; unknown repos are readable 4xx', async () => {
    hub.corrupt(hub.sha256Of('test-org/Corrupt-GGUF', 'Corrupt-Q4_K_M.gguf'))
    const streamed = await errorOf((async () => {
      for await (const _ of await atA.pull({ model: 'hf.co/test-org/Corrupt-GGUF', stream: true })) void _
    })())
    expect(streamed.message).toContain('SHA-256')
    const unstreamed = await errorOf(atA.pull({ model: 'hf.co/test-org/Corrupt-GGUF', stream: false }))
    expect(unstreamed.status_code).toBe(502)
    expect(unstreamed.message).toContain('SHA-256')
    expect(await names(atA)).not.toContain('Corrupt-Q4_K_M')

    // like the real hub, the mock answers 401 for a repo it does not have (it may be private)
    const missing = await errorOf(atA.pull({ model: 'hf.co/test-org/Nope-GGUF:Q4_K_M', stream: true }))
    expect(missing.status_code).toBe(403)
    expect(missing.message).toContain('test-org/Nope-GGUF')
    const notAName = await errorOf(atA.pull({ model: 'no-slash-and-not-in-the-catalog', stream: false }))
    expect(notAName.status_code).toBe(400)
  })

  it('delete removes a model stored here (and its pulled file); a model this node does not store is a 404', async () => {
    await atA.delete({ model: 'Tiny-Q8_0:latest' })
    expect(await names(atA)).not.toContain('Tiny-Q8_0')
    const models = (await (await fetch(`${a.url}/api/models`)).json()) as { data: { id: string }[] }
    expect(models.data.map((m) => m.id)).not.toContain('Tiny-Q8_0')
    expect(await errorOf(atB.delete({ model: 'Tiny-Q4_K_M' }))).toMatchObject({ status_code: 404 })
    expect(await errorOf(atA.delete({ model: 'never-there' }))).toMatchObject({ status_code: 404 })
    // and the node still serves
    expect((await atA.chat({ model: 'Tiny-Q4_K_M', stream: false, messages: [{ role: 'user', content: 'still?' }], options: { num_predict: 2 } })).done).toBe(true)
  })
})
