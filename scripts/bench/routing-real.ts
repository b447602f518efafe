/**
 * Routing benchmark, part 2: a real 3-node run. Three `llmlb serve` processes on 127.0.0.1 (fast
 * test profile), heterogeneous, all serving the model id `routed` (same file name, different files):
 *
 *   A: 1 slot on core 0 — the fastest per request (a core of its own, never batching)
 *   B: 3 slots on core 1 — slower per request (batching, and sharing the core with C), most capacity
 *   C: 2 slots on core 1
 *
 * All three hold the same generated model (8 layers × 512), large enough that generation, not HTTP
 * and forwarding overhead, is what a node's capacity is made of. No node can carry 85 % of the
 * cluster alone, as in any cluster of comparable boxes. An earlier layout (a 4× smaller model, 4 slots
 * on A's core of its own) let A carry ~75 % with the smaller model so fast that per-request overhead
 * dominated: "everything to the fastest" was nearly optimal and told nothing about routing.
 *
 * Capacity is measured first: the cluster saturated by closed-loop clients at every node (see
 * `capacity`). Every node is an ingress (each request goes to a node drawn at random, like clients
 * pointing at any node). For each policy (`routing.policy` written to every node's
 * config.json before start): Poisson arrivals at 50 % and 85 % of that capacity, then (for llmlb,
 * round-robin and least-in-flight) multi-turn conversations whose next turn repeats the previous
 * messages and answer. Work is deterministic: `ignore_eos` with max_tokens and prompts from a seeded
 * PRNG, the same arrival schedule for every policy. The admission queue is made deep (nothing is
 * shed), so latency includes all queueing; a request still running GRACE_MS after the arrival window
 * is aborted and counted at its elapsed time (a lower bound: such a row's p99 is marked ≥).
 *
 * There is no live oracle; the real run reports ratios to the best baseline measured, and the
 * simulator is run with this cluster's shape (slots, measured rates) as an oracle reference.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeTinyGguf, type TinyGgufOptions } from '../../native-runtime/src/index.js'
import type { RoutingPolicy } from '../../agent/src/scheduler/baseline-policies.js'
import { aliveNames, canPinCores, meshAddressOf, pinnedTo, startBenchAgent, waitUntil, type BenchAgent } from './agent-proc.js'
import { POLICIES as SIM_POLICIES } from './sim/policies.js'
import { prng } from './sim/sim-model.js'
import { simulate } from './sim/simulate.js'
import { fmt, percentile, printTable } from './stats.js'

const MODEL_ID = 'routed'
const MODEL: TinyGgufOptions = { layers: 8, embd: 512, ff: 1376, ctx: 2048 }
/**
 * `cpus`: each agent (with its runtime) is pinned, so that nodes do not all draw on the same cores as
 * they would on one box: A has core 0 to itself, B and C share core 1 with the load generator (a
 * floating load generator took A's core at times, and A's capacity with it). Without pinning the three
 * nodes share the box's CPU and one node alone can use all of it.
 */
const NODES = [
  { name: 'A', slots: 1, cpus: '0' },
  { name: 'B', slots: 3, cpus: '1' },
  { name: 'C', slots: 2, cpus: '1' }
] as const
const POLICIES: RoutingPolicy[] = ['llmlb', 'round-robin', 'tps-argmax', 'least-in-flight']
const PREFIX_POLICIES: RoutingPolicy[] = ['llmlb', 'round-robin', 'least-in-flight']
const LOADS = [
  { load: 0.5, seconds: 10 },
  { load: 0.85, seconds: 30 }
]
const PREFIX_LOAD = 0.85
const PREFIX_SECONDS = 10
/** Requests still running this long after the arrival window are aborted (counted as censored). */
const GRACE_MS = 6_000
const CAPACITY_SECONDS = 14
const CAPACITY_RAMP_MS = 3_000
/** A node that has not exited this long after SIGTERM is killed. */
const STOP_TIMEOUT_MS = 5_000
/** Bound of every control request of the harness (not of the measured requests). */
const CONTROL_TIMEOUT_MS = 5_000
const SEED = 4242
const WORDS = ['hello', 'world', 'the', 'mesh', 'node', 'model', 'token', 'cluster', 'llm', 'and', 'is', 'of', 'to', 'a']
const KEY = 'f6'.repeat(32)
/** Threads per node: three runtimes share this box's cores. */
const THREADS = '1'

interface Outcome {
  ms: number
  servedBy: string
  ok: boolean
  censored: boolean
}

type Cluster = BenchAgent[]

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function words(rand: () => number, n: number): string {
  return Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ')
}

async function chat(url: string, messages: { role: string; content: string }[], maxTokens: number, signal?: AbortSignal): Promise<{ servedBy: string; content: string; status: number }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL_ID, messages, max_tokens: maxTokens, ignore_eos: true, temperature: 0.8, seed: 1 }),
    signal
  })
  const servedBy = res.headers.get('x-llmlb-served-by') ?? '?'
  const text = await res.text()
  let content = ''
  if (res.status === 200) content = ((JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? '').slice(0, 400)
  return { servedBy, content, status: res.status }
}

/** One timed request with a hard deadline; aborted ones are censored at their elapsed time. */
async function timed(url: string, messages: { role: string; content: string }[], maxTokens: number, deadline: number): Promise<Outcome & { content: string }> {
  const ac = new AbortController()
  const t0 = performance.now()
  const timer = setTimeout(() => ac.abort(), Math.max(1, deadline - t0))
  try {
    const r = await chat(url, messages, maxTokens, ac.signal)
    return { ms: performance.now() - t0, servedBy: r.servedBy, ok: r.status === 200, censored: false, content: r.content }
  } catch {
    return { ms: performance.now() - t0, servedBy: '?', ok: false, censored: ac.signal.aborted, content: '' }
  } finally {
    clearTimeout(timer)
  }
}

interface NodeRow {
  name: string
  self: boolean
  status: string
  inFlight: number
  models: { id: string; tokensPerSecond: number }[]
}

async function nodes(a: BenchAgent): Promise<NodeRow[]> {
  return ((await (await fetch(`${a.url}/api/nodes`, { signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS) })).json()) as { data: NodeRow[] }).data
}

/** Starts the three nodes with `policy`, peered through A. */
async function startCluster(policy: RoutingPolicy, model: string, pin: boolean): Promise<Cluster> {
  const config = { routing: { policy }, queue: { maxWaiters: 10_000, maxWaitMs: 120_000 } }
  const args = (n: (typeof NODES)[number]): string[] => ['--name', n.name, '--model', model, '--slots', String(n.slots), '--threads', THREADS, '--ctx-size', '2048', '--cluster-key', KEY]
  const cpus = (n: (typeof NODES)[number]): string | undefined => (pin ? n.cpus : undefined)
  const [first, ...rest] = NODES
  const cluster: Cluster = []
  try {
    cluster.push(await startBenchAgent(args(first), {}, false, config, cpus(first)))
    const seed = await meshAddressOf(cluster[0] as BenchAgent)
    cluster.push(...(await Promise.all(rest.map((n) => startBenchAgent([...args(n), '--peer', seed], {}, false, config, cpus(n))))))
    await waitUntil(async () => (await Promise.all(cluster.map(aliveNames))).every((v) => v.length === NODES.length), 30_000, 'all nodes to see each other')
    await waitUntil(async () => (await Promise.all(cluster.map((x) => fetch(`${x.url}/ready`)))).every((r) => r.status === 200), 30_000, 'models ready')
  } catch (err) {
    await stopCluster(cluster)
    throw err
  }
  return cluster
}

/** SIGTERM (drain), and SIGKILL for a node still not gone after STOP_TIMEOUT_MS. */
async function stopCluster(c: Cluster): Promise<void> {
  await Promise.all(
    c.map(async (a) => {
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), STOP_TIMEOUT_MS)))
      const how = await Promise.race([a.stop().then(() => 'stopped' as const), late])
      clearTimeout(timer)
      if (how === 'late') {
        progress(`a node did not stop within ${STOP_TIMEOUT_MS} ms; killed`)
        await a.kill()
      }
    })
  )
}

/** Progress on stderr, so a slow or stuck phase shows where it is. */
function progress(msg: string): void {
  process.stderr.write(`routing-real: ${msg}\n`)
}

/** Every node serves a few requests itself and every node sees every node's speed (bounded). */
async function warmUp(c: Cluster): Promise<void> {
  const rand = prng(SEED + 99)
  const end = Date.now() + 15_000
  for (let round = 0; Date.now() < end; round++) {
    await Promise.all(c.map((a) => Promise.all([0, 1].map(() => chat(a.url, [{ role: 'user', content: words(rand, 12) }], 16, AbortSignal.timeout(CONTROL_TIMEOUT_MS))))))
    const views = await Promise.all(c.map(nodes))
    const measured = views.every((v) => v.length === NODES.length && v.every((n) => n.models.some((m) => m.id === MODEL_ID && m.tokensPerSecond > 0)))
    if (measured && round >= 2) return
  }
}

/** Waits (bounded) until no node has requests in flight, so cells do not overlap. */
async function drain(c: Cluster): Promise<void> {
  const end = Date.now() + 20_000
  while (Date.now() < end) {
    const views = await Promise.all(c.map(nodes)).catch(() => undefined)
    if (views?.every((v) => v.every((n) => !n.self || n.inFlight === 0))) return
    await sleep(100)
  }
}

/**
 * The cluster's capacity: requests/s completed in the steady state (after CAPACITY_RAMP_MS) with every
 * node saturated at once — as many closed-loop clients at each node as it has slots, so each request
 * finds its node's slot free and is served there (default policy). Generation dominates a request of
 * this model, so a policy that forwards loses little to the hop's CPU. (An earlier version used 2 ×
 * slots clients routed anywhere: it under-measured by up to a third from run to run, so "85 %" was
 * really 60–70 % and no policy was loaded.) Also: each node's share, and its per-request speed.
 */
async function capacity(c: Cluster): Promise<{ rates: number[]; speeds: number[] }> {
  const rand = prng(SEED + 7)
  const view = await nodes(c[0] as BenchAgent)
  const speeds = NODES.map((n) => view.find((v) => v.name === n.name)?.models.find((m) => m.id === MODEL_ID)?.tokensPerSecond ?? 0)
  const t0 = performance.now()
  const from = t0 + CAPACITY_RAMP_MS
  const stopAt = t0 + CAPACITY_SECONDS * 1000
  const counted: Outcome[] = []
  let last = from
  const clients = NODES.flatMap((n, i) => Array.from({ length: n.slots }, () => c[i] as BenchAgent))
  await Promise.all(
    clients.map(async (a) => {
      while (performance.now() < stopAt) {
        const w = workItem(rand)
        const r = await timed(a.url, [{ role: 'user', content: w.prompt }], w.maxTokens, stopAt + GRACE_MS)
        const now = performance.now()
        if (r.ok && now >= from) {
          counted.push(r)
          last = now
        }
      }
    })
  )
  const total = (counted.length * 1000) / Math.max(1, last - from)
  const rates = NODES.map((n) => (total * counted.filter((o) => o.servedBy === n.name).length) / Math.max(1, counted.length))
  return { rates, speeds }
}

interface Job {
  at: number
  ingress: number
  prompt: string
  maxTokens: number
}

/** Independent requests: one work item (prompt, max_tokens) from the seeded stream. */
function workItem(rand: () => number): { prompt: string; maxTokens: number } {
  return { prompt: words(rand, 8 + Math.floor(rand() * 40)), maxTokens: 16 + Math.floor(rand() * 49) }
}

function schedule(rate: number, seconds: number, seed: number): Job[] {
  const rand = prng(seed)
  const jobs: Job[] = []
  for (let t = -Math.log(1 - rand()) / rate; t < seconds * 1000 && jobs.length < 100_000; t += -Math.log(1 - rand()) / rate) {
    const w = workItem(rand)
    jobs.push({ at: t, ingress: Math.floor(rand() * NODES.length), ...w })
  }
  return jobs
}

interface CellResult {
  outcomes: Outcome[]
  hits?: number
  followUps?: number
}

async function openLoop(c: Cluster, jobs: Job[], seconds: number): Promise<CellResult> {
  const t0 = performance.now()
  const deadline = t0 + seconds * 1000 + GRACE_MS
  const pending: Promise<Outcome>[] = []
  for (const j of jobs) {
    const wait = t0 + j.at - performance.now()
    if (wait > 0) await sleep(wait)
    const a = c[j.ingress] as BenchAgent
    pending.push(timed(a.url, [{ role: 'user', content: j.prompt }], j.maxTokens, deadline))
  }
  return { outcomes: await Promise.all(pending) }
}

/**
 * Multi-turn conversations: starts arrive Poisson for `seconds`; each has 3–5 turns, each turn at a
 * random ingress, sent a think time after the previous answer and repeating every earlier message and
 * answer. A follow-up is a hit when the node that served the previous turn serves it.
 */
async function conversations(c: Cluster, turnRate: number, seconds: number, seed: number): Promise<CellResult> {
  const rand = prng(seed)
  const meanTurns = 4
  const convRate = turnRate / meanTurns
  const t0 = performance.now()
  const deadline = t0 + seconds * 1000 + GRACE_MS
  const outcomes: Outcome[] = []
  let hits = 0
  let followUps = 0
  const convs: Promise<void>[] = []
  const plans: { at: number; turns: { ingress: number; text: string; maxTokens: number; think: number }[] }[] = []
  for (let t = -Math.log(1 - rand()) / convRate; t < seconds * 1000 && plans.length < 10_000; t += -Math.log(1 - rand()) / convRate) {
    const n = 3 + Math.floor(rand() * 3)
    plans.push({ at: t, turns: Array.from({ length: n }, () => ({ ingress: Math.floor(rand() * NODES.length), text: words(rand, 60 + Math.floor(rand() * 40)), maxTokens: 16 + Math.floor(rand() * 17), think: -Math.log(1 - rand()) * 300 })) })
  }
  const run = async (plan: (typeof plans)[number]): Promise<void> => {
    const messages: { role: string; content: string }[] = []
    let prev = ''
    for (const [i, turn] of plan.turns.entries()) {
      if (i > 0) await sleep(turn.think)
      if (performance.now() >= deadline) return
      messages.push({ role: 'user', content: turn.text })
      const r = await timed((c[turn.ingress] as BenchAgent).url, messages, turn.maxTokens, deadline)
      outcomes.push(r)
      if (!r.ok) return
      if (i > 0) {
        followUps++
        if (r.servedBy === prev) hits++
      }
      prev = r.servedBy
      messages.push({ role: 'assistant', content: r.content })
    }
  }
  for (const p of plans) {
    const wait = t0 + p.at - performance.now()
    if (wait > 0) await sleep(wait)
    convs.push(run(p))
  }
  await Promise.all(convs)
  return { outcomes, hits, followUps }
}

interface Summary {
  p50: number
  p99: number
  n: number
  failed: number
  censored: number
  share: string
  /** p99 of the requests each node served (s), A/B/C. */
  byNode: string
}

function summarize(r: CellResult): Summary {
  // censored requests count at their elapsed time (a lower bound); failures that were not aborts are listed
  const lat = r.outcomes.filter((o) => o.ok || o.censored).map((o) => o.ms)
  const by = new Map<string, number>()
  for (const o of r.outcomes) if (o.ok) by.set(o.servedBy, (by.get(o.servedBy) ?? 0) + 1)
  const okCount = r.outcomes.filter((o) => o.ok).length
  const share = NODES.map((n) => `${Math.round(((by.get(n.name) ?? 0) * 100) / Math.max(1, okCount))}`).join('/')
  const byNode = NODES.map((n) => fmt(percentile(r.outcomes.filter((o) => o.ok && o.servedBy === n.name).map((o) => o.ms), 99) / 1000, 1)).join('/')
  return { byNode, p50: percentile(lat, 50), p99: percentile(lat, 99), n: r.outcomes.length, failed: r.outcomes.filter((o) => !o.ok && !o.censored).length, censored: r.outcomes.filter((o) => o.censored).length, share }
}

const p99Cell = (s: Summary): string => `${s.censored > 0 ? '≥' : ''}${fmt(s.p99 / 1000)}`

/** The simulator with this cluster's shape: the same slots, speeds per slot as measured. */
function simulatorReference(speeds: number[]): (string | number)[][] {
  const slots = NODES.map((n) => n.slots)
  const rows: (string | number)[][] = []
  const names: Record<string, string> = { llmlb: 'llmlb (ours)', 'tps-argmax': 'tps-argmax (original)' }
  for (const { load } of LOADS) {
    const res = new Map<string, number>()
    for (const p of [...POLICIES, 'oracle']) {
      const mk = SIM_POLICIES[names[p] ?? p] as () => Parameters<typeof simulate>[0]
      const rs = [11, 23, 37].map((seed) => simulate(mk(), { speeds, slots, load, workload: 'independent', requests: 5000, seed, maxTokens: 256 }))
      res.set(p, rs.reduce((s, r) => s + r.p99, 0) / rs.length)
    }
    const o = res.get('oracle') as number
    for (const [p, v] of res) rows.push([`${Math.round(load * 100)}%`, p, fmt(v / 1000), fmt(v / o)])
  }
  return rows
}

export async function routingRealBench(): Promise<void> {
  // pin each node to its cores where the box can, and the load generator to core 1; see NODES
  const pin = canPinCores()
  await (pin ? pinnedTo('1', () => routingRealRun(pin)) : routingRealRun(pin))
}

async function routingRealRun(pin: boolean): Promise<void> {
  const started = performance.now()
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-bench-routing-'))
  const model = join(dir, `${MODEL_ID}.gguf`)
  await writeTinyGguf(model, { ...MODEL, seed: 5, readable: true })

  let rates: number[] = []
  let speeds: number[] = []
  let rate = 0
  const results = new Map<string, Summary>()
  const prefix = new Map<RoutingPolicy, Summary & { hitRate: number }>()
  for (const policy of POLICIES) {
    const c = await startCluster(policy, model, pin)
    try {
      await warmUp(c)
      if (rate === 0) {
        // once, under the default policy (first in POLICIES); every policy then gets the same load
        ;({ rates, speeds } = await capacity(c))
        rate = rates.reduce((a, b) => a + b, 0)
        await drain(c)
        progress(`capacity ${fmt(rate, 1)} req/s (${fmt((performance.now() - started) / 1000, 0)} s)`)
      }
      for (const [i, { load, seconds }] of LOADS.entries()) {
        const jobs = schedule((load * rate) / 1000, seconds, SEED + i)
        results.set(`${policy}@${load}`, summarize(await openLoop(c, jobs, seconds)))
        await drain(c)
        progress(`${policy} at ${Math.round(load * 100)}% done (${fmt((performance.now() - started) / 1000, 0)} s)`)
      }
      if (PREFIX_POLICIES.includes(policy)) {
        const r = await conversations(c, (PREFIX_LOAD * rate) / 1000, PREFIX_SECONDS, SEED + 100)
        prefix.set(policy, { ...summarize(r), hitRate: (r.hits ?? 0) / Math.max(1, r.followUps ?? 0) })
        await drain(c)
        progress(`${policy} conversations done (${fmt((performance.now() - started) / 1000, 0)} s)`)
      }
    } finally {
      await stopCluster(c)
      progress(`${policy} cluster stopped (${fmt((performance.now() - started) / 1000, 0)} s)`)
    }
  }

  const rows: (string | number)[][] = []
  for (const { load } of LOADS) {
    const get = (p: string): Summary => results.get(`${p}@${load}`) as Summary
    const best = Math.min(...POLICIES.filter((p) => p !== 'llmlb').map((p) => get(p).p99))
    for (const p of POLICIES) {
      const s = get(p)
      rows.push([`${Math.round(load * 100)}%`, p, s.n, fmt(s.p50 / 1000), p99Cell(s), fmt(s.p99 / best), fmt(s.p99 / get('round-robin').p99), fmt(s.p99 / get('tps-argmax').p99), s.share, s.byNode, `${s.failed}/${s.censored}`])
    }
  }
  const shape = NODES.map((n) => `${n.name}: ×${n.slots}${pin ? ` on cpu ${n.cpus}` : ''}`).join(', ')
  printTable(
    `routing, real 3-node run: independent requests (${shape}; capacity ${fmt(rate, 1)} req/s = A/B/C ${rates.map((r) => fmt(r, 1)).join('/')} saturated; every node an ingress; max_tokens 16–64, ignore_eos)`,
    ['load', 'policy', 'requests', 'p50 s', 'p99 s', 'p99 / best baseline', 'p99 / round-robin', 'p99 / tps-argmax', 'served A/B/C %', 'p99 on A/B/C s', 'failed/censored'],
    rows
  )
  const prow: (string | number)[][] = []
  const rrHit = (prefix.get('round-robin') as { hitRate: number }).hitRate
  const lifP99 = (prefix.get('least-in-flight') as Summary).p99
  for (const [p, s] of prefix) prow.push([p, s.n, fmt(s.hitRate * 100, 1), fmt(s.hitRate / rrHit), fmt(s.p50 / 1000), p99Cell(s), fmt(s.p99 / lifP99), s.share, s.byNode, `${s.failed}/${s.censored}`])
  printTable(
    `routing, real 3-node run: multi-turn conversations (3–5 turns, each turn at a random ingress, ${Math.round(PREFIX_LOAD * 100)}% of capacity in requests/s); hit = served by the node of the previous turn`,
    ['policy', 'requests', 'prefix hits %', 'hits / round-robin', 'p50 s', 'p99 s', 'p99 / least-in-flight', 'served A/B/C %', 'p99 on A/B/C s', 'failed/censored'],
    prow
  )
  // the simulator's node capacity is slots × speed: speeds from the saturated rates per slot
  const perSlot = rates.map((r, i) => r / (NODES[i] as (typeof NODES)[number]).slots)
  const slowest = Math.min(...perSlot.filter((x) => x > 0))
  const rel = perSlot.map((x) => (x > 0 && Number.isFinite(slowest) ? x / slowest : 1))
  printTable(
    `routing simulator with this cluster's shape (oracle reference; speeds per slot ${rel.map((x) => fmt(x, 1)).join('/')}× from the saturated rates, slots ${NODES.map((n) => n.slots).join('/')}; per-request speed alone ${speeds.map((x) => fmt(x, 0)).join('/')} tok/s)`,
    ['load', 'policy', 'p99 s (sim)', 'p99 / oracle'],
    simulatorReference(rel)
  )
  process.stdout.write(`\nrouting-real took ${fmt((performance.now() - started) / 1000, 0)} s\n`)
}
