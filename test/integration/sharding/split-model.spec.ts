/**
 * A model split over the RPC workers of two other nodes, on real agents over the real mesh (workers
 * leased and reached through the tunnel): it answers through any node with the same greedy output as
 * the model whole (llama-server unsplit on the same GGUF); a worker killed with SIGKILL mid-stream ends
 * that stream with an error and the model serves again by itself; a second split model finds every
 * worker leased and answers a 503 naming the memory it needs; unsharding the first releases the workers,
 * and the second takes them.
 */
import { execFileSync } from 'node:child_process'
import OpenAI from 'openai'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LlamaServer, type ShardView } from '../../../agent/src/sharding/index.js'
import { meshAddress, modelIdsOf, nodesOf, runCli, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { machineRpcCache, rpcBinaries, RPC_BINARIES_WAIT_MS } from '../../helpers/rpc-binaries.js'

const A = 'split-a'
const B = 'split-b'
const PROMPT = { prompt: 'Once upon a time', max_tokens: 12, temperature: 0, seed: 3 }
/** Same serving sizes on the agents and the unsplit reference. */
const CTX = 256
const SLOTS = 2
const KEY = '5a'.repeat(32)

let coord: RunningAgent
let w1: RunningAgent
let w2: RunningAgent
let reference: LlamaServer

const client = (a: RunningAgent): OpenAI => new OpenAI({ baseURL: `${a.url}/v1`, apiKey: 'unused', maxRetries: 0 })

async function shards(a: RunningAgent): Promise<ShardView[]> {
  return ((await (await fetch(`${a.url}/api/shards`)).json()) as { data: ShardView[] }).data
}

/** Waits (polling the coordinator's own view, which changes the moment the run does) for `pred`. */
function shardState(id: string, pred: (v: ShardView) => boolean, what: string, ms = 180_000): Promise<ShardView> {
  return waitFor(async () => {
    const v = (await shards(coord)).find((x) => x.id === id)
    return v && pred(v) ? v : undefined
  }, what, ms, 100)
}

/** The worker child (`ggml-rpc-server`) of an agent process. */
function workerPid(a: RunningAgent): number {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(a.pid)], { encoding: 'utf8' })
  const line = out.split('\n').find((l) => l.includes('ggml-rpc-server'))
  if (!line) throw new Error(`${a.name} runs no ggml-rpc-server: ${out}`)
  return Number(line.trim().split(/\s+/)[0])
}

// on a fresh machine the set-up's background build may still be running: wait for it first
beforeAll(() => rpcBinaries(), RPC_BINARIES_WAIT_MS)
beforeAll(async () => {
  const bins = await rpcBinaries()
  const pathA = await tinyModel(A, { layers: 8, embd: 128, heads: 4, ctx: 512 })
  const pathB = await tinyModel(B, { layers: 8, embd: 128, heads: 4, ctx: 512, seed: 2 })
  const env = { LLMLB_RPC_CACHE: machineRpcCache() }
  const sizes = ['--ctx-size', String(CTX), '--slots', String(SLOTS)]
  coord = await startAgent({ name: 'coord', models: [pathA, pathB], env, args: sizes, clusterKey: KEY })
  const peer = await meshAddress(coord)
  const lend = (name: string): Promise<RunningAgent> => startAgent({ name, peers: [peer], clusterKey: KEY, env, args: [...sizes, '--rpc-worker', '--threads', '1'] })
  ;[w1, w2] = [await lend('w1'), await lend('w2')]
  // both ingresses know the models and see both workers up before anything is marked
  for (const a of [w1, w2]) await waitFor(async () => (await modelIdsOf(a)).join() === [A, B].join() && (await nodesOf(a)).length === 3, `${a.name} to see the cluster`, 60_000, 100)
  reference = new LlamaServer({ binary: bins.server, modelPath: pathA, alias: A, endpoints: [], slots: SLOTS, contextSize: CTX, loadTimeoutMs: 120_000, logger: pino({ level: 'silent' }) })
  await reference.start(new AbortController().signal)
}, 240_000)

afterAll(async () => {
  await reference?.stop()
  await stopAllAgents()
})

describe('a model split over two workers on two other nodes', () => {
  let whole = ''

  it('answers through any node with the greedy output of the model whole', async () => {
    // each worker has memory for the tiny model alone: --workers spreads it over both
    const marked = await runCli(['models', 'shard', A, '--workers', '2', '--url', w1.url])
    expect(marked.code, marked.stderr).toBe(0)
    const v = await shardState(A, (x) => x.state === 'serving', `${A} to serve split`)
    expect(v.coordinator?.name).toBe('coord')
    expect(v.workers.map((w) => w.name).sort()).toEqual(['w1', 'w2'])
    expect(v.workers.every((w) => w.bytes > 0)).toBe(true)

    const ref = await fetch(`${reference.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: A, ...PROMPT }) })
    whole = ((await ref.json()) as { choices: { text: string }[] }).choices[0]?.text ?? ''
    expect(whole.length).toBeGreaterThan(0)
    for (const via of [w2, coord]) {
      // the ingress may still hold an advert from before the split served
      const r = await waitFor(() => client(via).completions.create({ model: A, ...PROMPT }).catch(() => undefined), `${A} through ${via.name}`, 60_000, 100)
      expect(r.choices[0]?.text).toBe(whole)
    }
  }, 300_000)

  it('ends the stream in flight with an error when a worker is killed, then serves again without a manual step', async () => {
    const stream = await client(w2).completions.create({ model: A, prompt: 'x', max_tokens: 200, temperature: 0, stream: true, ignore_eos: true } as OpenAI.CompletionCreateParamsStreaming)
    const it = stream[Symbol.asyncIterator]()
    await it.next()
    process.kill(workerPid(w1), 'SIGKILL')
    let failed: unknown
    let finish: string | null | undefined
    try {
      for (let n = await it.next(); !n.done; n = await it.next()) finish = n.value.choices[0]?.finish_reason ?? finish
    } catch (err) {
      failed = err
    }
    // one clear error that names the loss (the SSE error event, as the openai client raises it)
    expect(failed, `stream ended with finish_reason ${finish}`).toBeInstanceOf(OpenAI.APIError)
    expect((failed as Error).message).toMatch(/lost a worker mid-stream \(.*\); it is being placed again/)
    expect(finish).not.toBe('length')

    await shardState(A, (x) => x.state === 'serving' && /reloaded after/.test(x.error ?? ''), `${A} to serve again after the loss`)
    const r = await waitFor(() => client(w1).completions.create({ model: A, ...PROMPT }).catch(() => undefined), `${A} after the reload`, 60_000, 100)
    expect(r.choices[0]?.text).toBe(whole)
  }, 300_000)

  it('refuses a mark for a model no node holds, or with a bad body, with the error table', async () => {
    const put = (id: string, body: string) => fetch(`${w1.url}/api/models/${id}/shard`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body })
    const unknown = await put('nope', '{}')
    expect([unknown.status, ((await unknown.json()) as { error: { code: string } }).error.code]).toEqual([404, 'model_not_found'])
    const bad = await put(B, '{"workers":0}')
    expect([bad.status, ((await bad.json()) as { error: { code: string; param: string } }).error]).toMatchObject([400, { code: 'invalid_request', param: 'workers' }])
  })

  it('a second split model cannot lease the busy workers: a 503 naming the memory; unshard releases them to it', async () => {
    const put = await fetch(`${w2.url}/api/models/${B}/shard`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workers: 2 }) })
    expect(put.status).toBe(200)
    await shardState(B, (x) => x.state === 'failed', `${B} to find no free worker`)
    const err = await waitFor(() => client(w1).completions.create({ model: B, ...PROMPT }).then(() => undefined, (e: unknown) => (e instanceof OpenAI.APIError && e.status === 503 && (e as { code?: string }).code === 'shard_insufficient_memory' ? e : undefined)), `${B} to answer 503`, 60_000, 100)
    expect(err.message).toMatch(/needs .*\(\d+ bytes\), the 0 free workers have 0 B \(0 bytes\)/)

    const un = await runCli(['models', 'unshard', A, '--url', coord.url])
    expect(un.code, un.stderr).toBe(0)
    const v = await shardState(B, (x) => x.state === 'serving', `${B} to take the released workers`)
    expect(v.workers.map((w) => w.name).sort()).toEqual(['w1', 'w2'])
    expect((await shards(w1)).map((x) => x.id)).toEqual([B])
  }, 300_000)
})
