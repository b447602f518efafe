/**
 * The coordinator of one split model on real binaries: `llama-server --rpc` over `ggml-rpc-server`
 * workers started on loopback (leased without the mesh: the agent tests cover the tunnel), served
 * through the engine path. Greedy output equals the unsplit model's; a worker killed mid-stream ends
 * that stream with an error, and the model is placed on the remaining workers and serves again; a
 * stop releases every worker.
 */
import { randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BackendRegistry } from '../../../agent/src/backends/index.js'
import { TEST_HEALTH } from '../../../agent/src/engines/index.js'
import type { ModelRecord } from '../../../agent/src/models/index.js'
import { Outbound } from '../../../agent/src/net/index.js'
import { chooseWorkers, LlamaServer, ShardRun, type PlacementNode, type RpcBinaries } from '../../../agent/src/sharding/index.js'
import { tinyModel } from '../../helpers/agent-process.js'
import { LoopbackLeaser } from '../../helpers/loopback-leaser.js'
import { rpcBinaries, RPC_BINARIES_WAIT_MS } from '../../helpers/rpc-binaries.js'
import { within } from '../../helpers/within.js'

const MODEL = 'split-tiny'
const logger = pino({ level: 'silent' })
const BODY = { model: MODEL, prompt: 'The quick brown fox', max_tokens: 12, temperature: 0, seed: 7 }

let bins: RpcBinaries
let path: string
let leaser: LoopbackLeaser
let outbound: Outbound
let reference: LlamaServer
const registry = new BackendRegistry()
/** Workers placement may use (a killed one leaves). */
const up = new Set(['w1', 'w2', 'w3'])

function ctx(signal = new AbortController().signal) {
  return { requestId: randomUUID(), signal, hops: 0, local: false }
}

async function text(body: AsyncIterable<string | Uint8Array>): Promise<string> {
  let s = ''
  for await (const c of body) s += typeof c === 'string' ? c : Buffer.from(c).toString('utf8')
  return s
}

/** Resolves when `pred` holds, checked on every advert change of the registry. */
function until(pred: () => boolean, what: string, ms = 120_000): Promise<void> {
  return within(new Promise<void>((resolve) => {
    if (pred()) return resolve()
    const off = registry.onChange(() => {
      if (pred()) (off(), resolve())
    })
  }), what, ms)
}

// on a fresh machine the set-up's background build may still be running: wait for it first
beforeAll(() => rpcBinaries(), RPC_BINARIES_WAIT_MS)
beforeAll(async () => {
  bins = await rpcBinaries()
  path = await tinyModel(MODEL, { layers: 8, embd: 128, heads: 4, ctx: 512 })
  leaser = new LoopbackLeaser(bins)
  await Promise.all([...up].map((id) => leaser.add(id)))
  outbound = new Outbound({ allow: ['loopback'] })
  reference = new LlamaServer({ binary: bins.server, modelPath: path, alias: MODEL, endpoints: [], slots: 1, contextSize: 512, loadTimeoutMs: 120_000, logger })
  await reference.start(new AbortController().signal)
}, 180_000)

afterAll(async () => {
  await reference?.stop()
  await leaser?.close()
  await outbound?.close()
})

describe('a model split over RPC workers', () => {
  let run: ShardRun

  it('serves the same greedy completion as the model whole, over two workers', async () => {
    const record = { id: MODEL, path, sizeBytes: statSync(path).size, kvBytesPerToken: 0, quantization: 'F32', contextLength: 512, capabilities: { chat: true, completion: true, embeddings: false, tools: false, vision: false } } as unknown as ModelRecord
    const nodes = (): PlacementNode[] => [...up].map((id) => ({ peerId: id, name: id, alive: true, holds: false, coordinates: false, rpcWorker: { protocol: bins.protocol, bundle: bins.bundleCommit, backend: bins.backend, freeBytes: record.sizeBytes, state: 'up' } }))
    // each worker has room for the model once: two are needed for weights + buffers + margin
    run = new ShardRun({ record, plan: () => chooseWorkers(nodes(), record.sizeBytes + 1), leaser, binaries: bins, serving: { contextSize: 512, slots: 1 }, outbound, health: TEST_HEALTH, changed: () => registry.changed(), logger, retryMs: 500, loadTimeoutMs: 120_000 })
    registry.add(run)
    run.start()
    await until(() => run.state === 'serving', 'the split model to serve')
    expect(run.workers.map((w) => w.peerId).sort()).toEqual(['w1', 'w2'])
    expect(registry.adverts()[0]?.sharded).toMatchObject({ state: 'serving', workers: [{ name: 'w1' }, { name: 'w2' }] })

    const split = JSON.parse(await text((await run.serve('completion', { ...BODY }, ctx())).result.body)) as { choices: { text: string }[] }
    const whole = (await (await fetch(`${reference.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BODY) })).json()) as { choices: { text: string }[] }
    expect(whole.choices[0]?.text.length).toBeGreaterThan(0)
    expect(split.choices[0]?.text).toBe(whole.choices[0]?.text)
  }, 180_000)

  it('ends a stream in flight with an error when a worker dies, then serves again on other workers', async () => {
    const out = await run.serve('completion', { ...BODY, max_tokens: 400, ignore_eos: true, stream: true }, ctx())
    let events = ''
    let broke = false
    const it = out.result.body[Symbol.asyncIterator]()
    const first = await it.next()
    events += String(first.value)
    up.delete('w1')
    await leaser.kill('w1')
    try {
      for (let n = await it.next(); !n.done; n = await it.next()) events += typeof n.value === 'string' ? n.value : Buffer.from(n.value).toString('utf8')
    } catch {
      broke = true
    }
    // the client learns the answer is cut short, and why: one SSE error event naming the loss
    expect(broke).toBe(false)
    expect(events).toMatch(/"code":"shard_not_ready"/)
    expect(events).toMatch(/lost a worker mid-stream/)
    expect(events).not.toMatch(/"finish_reason":"length"/)

    await until(() => run.state === 'serving' && run.loads === 2, 'the split model to serve again', 180_000)
    expect(run.workers.map((w) => w.peerId).sort()).toEqual(['w2', 'w3'])
    const again = JSON.parse(await text((await run.serve('completion', { ...BODY }, ctx())).result.body)) as { choices: { text: string }[] }
    expect(again.choices[0]?.text.length).toBeGreaterThan(0)
  }, 240_000)

  it('answers a clear 503 naming the memory while no workers cover it, and a stop releases every worker', async () => {
    up.delete('w3')
    await leaser.kill('w3')
    await until(() => run.state === 'failed', 'placement to fail with one worker left')
    const err = await run.serve('completion', { ...BODY }, ctx()).catch((e: unknown) => e as { code: string; message: string; headers: Record<string, string> })
    expect(err).toMatchObject({ code: 'shard_insufficient_memory', headers: { 'retry-after': '10' } })
    expect((err as { message: string }).message).toMatch(/needs .* \(\d+ bytes\), the 1 free worker have .* \(\d+ bytes\)/)
    await run.stop()
    expect([...leaser.workers.values()].filter((w) => w.leasedFor !== undefined)).toEqual([])
    registry.remove(run.name)
  }, 60_000)
})
