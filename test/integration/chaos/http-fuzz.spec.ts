/**
 * Every route of the node's route table (its OpenAPI document), fuzzed against a real node (llama.cpp
 * runtime with a tiny model, LMDB history): no 5xx but 503, errors in each API's own shape, and the node
 * keeps serving. `npm run chaos` runs the same property with 10,000 cases per route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { startAgent, stopAllAgents, tinyModel, type RunningAgent } from '../../helpers/agent-process.js'
import { fuzzAll, routesOf, runsModel, type FuzzRoute } from '../../../scripts/chaos/http-fuzz.js'
import { startMockHub, type MockHub } from '../../../scripts/mock-hf-hub.js'

const MODEL = 'fuzz-model'
/** Cases per route; a route whose valid cases run the model gets fewer (each costs a generation). */
const RUNS = Number(process.env.LLMLB_FUZZ_RUNS ?? 300)
const MODEL_RUNS = Math.ceil(RUNS / 5)
/**
 * The suite replays the same cases every run (a fixed seed), so a red run is a regression and not the
 * luck of the draw; `npm run chaos` draws new ones each time to find what is not yet known.
 * LLMLB_FUZZ_SEED replays another draw (a chaos run's failure prints its seed).
 */
const SEED = Number(process.env.LLMLB_FUZZ_SEED ?? 20261202)
let node: RunningAgent
let routes: FuzzRoute[]
let hub: MockHub

beforeAll(async () => {
  // pulls (Ollama's /api/pull) go to a hub that has no repos: every repo a 404, never the real hub
  hub = await startMockHub([])
  node = await startAgent({ name: 'fuzzed', models: [await tinyModel(MODEL)], env: { HF_ENDPOINT: hub.endpoint } })
  routes = await routesOf(node.url)
}, 120_000)
afterAll(async () => {
  await stopAllAgents()
  await hub?.close()
})

describe('HTTP fuzzing', () => {
  it('finds the whole route table, inference and protocol routes included', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`)
    for (const r of ['POST /v1/chat/completions', 'POST /v1/messages', 'POST /api/chat', 'POST /v1/responses', 'GET /api/history/{id}', 'POST /api/keys']) expect(names).toContain(r)
  })

  it(`answers ${RUNS} generated requests per route (${MODEL_RUNS} for those running the model) with no 5xx but 503, errors in each API's shape, and keeps serving`, async () => {
    const runs = (r: FuzzRoute): number => (runsModel(r) ? MODEL_RUNS : RUNS)
    const reports = await fuzzAll(node.url, routes, runs, { model: [MODEL], id: [MODEL] }, 2, SEED)
    const failures = reports.filter((r) => r.failure).map((r) => ({ route: r.route, ...r.failure }))
    expect(failures).toEqual([])
    for (const [i, r] of reports.entries()) expect(r.cases).toBe(runs(routes[i] as FuzzRoute))
    // the node is alive and still serves
    expect(node.proc.exitCode).toBeNull()
    const client = new OpenAI({ baseURL: `${node.url}/v1`, apiKey: 'x', maxRetries: 0 })
    const done = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'still there?' }], max_tokens: 3 })
    expect(done.choices).toHaveLength(1)
  }, 900_000)
})
