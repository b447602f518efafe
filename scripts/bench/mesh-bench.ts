/**
 * Mesh benchmark: what one forwarded hop adds (64 concurrent non-stream requests, and time to first
 * token of streams, direct vs through a second node), and how fast membership notices a join and a
 * kill -9 with the production timings, for 3 and 10 agents.
 *
 * The hop is measured twice: with every process sharing the box's cores, and pinned (Linux, 2+ cores)
 * the way separate boxes are — the serving node (agent + llama.cpp child) on core 0, the ingress node
 * and the load generator on core 1 — so the ingress's CPU is not taken from the serving node. The
 * pinned figure is what one hop costs between two machines; the shared one is a worst case.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { writeTinyGguf } from '../../native-runtime/src/index.js'
import { aliveNames, canPinCores, meshAddressOf, pinnedTo, startBenchAgent, waitUntil, type BenchAgent } from './agent-proc.js'
import { fmt, percentile, printTable } from './stats.js'

const CONCURRENCY = 64
const REQUESTS_PER_ROUND = 640
// many short interleaved rounds: a burst of noise on the shared VM lands on both sides alike
const ROUNDS = 6
const STREAMS = 400

const body = (stream: boolean): string => JSON.stringify({ model: 'hop', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, stream })

/** The load generator: undici's `request` on keep-alive connections costs the client far less CPU than fetch. */
async function post(client: Agent, url: string, stream: boolean): Promise<{ total: number; ttft: number }> {
  const t0 = performance.now()
  const res = await request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(stream), dispatcher: client })
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`)
  let ttft = 0
  for await (const _ of res.body) if (!ttft) ttft = performance.now() - t0
  return { total: performance.now() - t0, ttft }
}

async function concurrentRound(client: Agent, url: string): Promise<number[]> {
  const out: number[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS_PER_ROUND) out.push((await post(client, url, false)).total)
    })
  )
  return out
}

async function hopOverhead(pin: boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-bench-hop-'))
  const model = join(dir, 'hop.gguf')
  await writeTinyGguf(model, { seed: 9 })
  const key = 'd4'.repeat(32)
  const client = new Agent({ connections: CONCURRENCY })
  // production timings (gossip every 500 ms, state changes coalesced to 100 ms): what users get
  const server = await startBenchAgent(['--name', 'server', '--model', model, '--slots', '8', '--cluster-key', key], {}, true, {}, pin ? '0' : undefined)
  const ingress = await startBenchAgent(['--name', 'ingress', '--cluster-key', key, '--peer', await meshAddressOf(server)], {}, true, {}, pin ? '1' : undefined)
  try {
    await waitUntil(async () => (await fetch(`${ingress.url}/ready`)).status === 200, 20_000, 'ingress to see the model')
    for (const url of [server.url, ingress.url]) await concurrentRound(client, url) // warm up connections and streams
    const direct: number[] = []
    const forwarded: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      // interleaved rounds so drift on the shared 2-core box hits both sides alike
      direct.push(...(await concurrentRound(client, server.url)))
      forwarded.push(...(await concurrentRound(client, ingress.url)))
    }
    const dTtft: number[] = []
    const fTtft: number[] = []
    for (let i = 0; i < STREAMS; i++) {
      dTtft.push((await post(client, server.url, true)).ttft)
      fTtft.push((await post(client, ingress.url, true)).ttft)
    }
    const row = (label: string, d: number[], f: number[], p: number): (string | number)[] => [label, fmt(percentile(d, p)), fmt(percentile(f, p)), fmt(percentile(f, p) - percentile(d, p))]
    printTable(
      `mesh: one forwarded hop vs calling the serving node directly, ${pin ? 'pinned like separate boxes (server on core 0; ingress and load generator on core 1)' : 'all processes sharing the cores'} (${CONCURRENCY} concurrent, ${ROUNDS}×${REQUESTS_PER_ROUND} non-stream requests; ${STREAMS} sequential streams)`,
      ['measure', 'direct ms', 'forwarded ms', 'added by the hop ms'],
      [
        row('latency p50 (64 concurrent)', direct, forwarded, 50),
        row('latency p99 (64 concurrent)', direct, forwarded, 99),
        row('stream TTFT p50', dTtft, fTtft, 50),
        row('stream TTFT p99', dTtft, fTtft, 99)
      ]
    )
  } finally {
    await client.close()
    await Promise.all([server.stop(), ingress.stop()])
  }
}

async function detection(n: number): Promise<(string | number)[]> {
  const key = 'e5'.repeat(32)
  const first = await startBenchAgent(['--name', 'm0', '--cluster-key', key], {}, true)
  const seed = await meshAddressOf(first)
  const agents: BenchAgent[] = [first]
  try {
    for (let i = 1; i < n; i++) agents.push(await startBenchAgent(['--name', `m${i}`, '--cluster-key', key, '--peer', seed], {}, true))
    await waitUntil(async () => (await Promise.all(agents.map(aliveNames))).every((v) => v.length === n), 60_000, 'full membership')
    const t0 = performance.now()
    const joiner = await startBenchAgent(['--name', 'joiner', '--cluster-key', key, '--peer', seed], {}, true)
    const started = performance.now()
    await waitUntil(async () => (await Promise.all(agents.map(aliveNames))).every((v) => v.includes('joiner')), 30_000, 'join seen')
    const join = performance.now() - started
    await joiner.kill()
    const killed = performance.now()
    await waitUntil(async () => (await Promise.all(agents.map(aliveNames))).every((v) => !v.includes('joiner')), 30_000, 'death seen')
    const death = performance.now() - killed
    return [n, fmt(started - t0, 0), fmt(join, 0), fmt(death, 0)]
  } finally {
    await Promise.all(agents.map((a) => a.stop()))
  }
}

/** The hop overhead alone, shared and (where the box can) pinned: `npm run bench -- mesh-hop`. */
export async function meshHopBench(): Promise<void> {
  await hopOverhead(false)
  // the load generator shares core 1 with the ingress
  if (canPinCores()) await pinnedTo('1', () => hopOverhead(true))
  else process.stdout.write('mesh: pinned hop measurement skipped (needs Linux, taskset and 2+ cores)\n')
}

export async function meshBench(): Promise<void> {
  await meshHopBench()
  const rows = [await detection(3), await detection(10)]
  printTable(
    'mesh: membership with production timings (heartbeat 500 ms, dead after 1.8 s or 1 s after the connection drops); times until EVERY node sees it',
    ['agents', 'joiner process start ms', 'join seen by all ms (after listening)', 'kill -9 seen by all ms'],
    rows
  )
}
