/**
 * Fault scenarios on a real cluster: an ingress (no model) in front of two holders of one model, with
 * clients sending sequential requests through the ingress the whole time. One holder is faulted:
 * - `sigstop`: frozen (SIGSTOP) for `holdMs`, then resumed (SIGCONT) — the gray failure of issue #18;
 * - `kill9`: killed, then (the load over) a fresh holder started in its place;
 * - `hung-runtime`: its llama.cpp child frozen while the node itself keeps gossiping (only the head
 *   bound can tell), then resumed.
 * Measured per scenario: requests, failures, worst latency, time to detect (membership says dead, or
 * the first failover for a hung runtime), time to heal (the node is alive and serving again in the
 * ingress's view), alive/dead flaps of the nodes that were not faulted, history records lost.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeTinyGguf } from '../../native-runtime/src/gguf/tiny-gguf.js'
import { meshAddressOf, startBenchAgent, waitUntil, type BenchAgent } from '../bench/agent-proc.js'

export type ScenarioName = 'sigstop' | 'kill9' | 'hung-runtime'
export const SCENARIOS: readonly ScenarioName[] = ['sigstop', 'kill9', 'hung-runtime']

export interface ScenarioRow {
  scenario: string
  requests: number
  failures: number
  worstMs: number
  /** Median latency before the fault (the service time of the goal). */
  serviceMs: number
  detectMs: number | null
  healMs: number | null
  flaps: number
  recordsLost: number
  /** Status of each failed request (for the report). */
  failedStatuses: number[]
}

export interface ScenarioOptions {
  clients: number
  /** How long the fault lasts (ms). */
  holdMs: number
  /** Head bound floor of the ingress (ms): what the hung-runtime case waits. */
  headFloorMs: number
}

const MODEL = 'chaos-model'
const KEY = 'ce'.repeat(32)

interface NodeRow {
  name: string
  status: string
  self: boolean
}

async function nodes(a: BenchAgent): Promise<NodeRow[]> {
  return ((await (await fetch(`${a.url}/api/nodes`)).json()) as { data: NodeRow[] }).data
}

async function holder(name: string, model: string, seed: string): Promise<BenchAgent> {
  const a = await startBenchAgent(['--name', name, '--model', model, '--cluster-key', KEY, '--peer', seed, '--slots', '2'])
  await waitUntil(async () => ((await (await fetch(`${a.url}/ready`)).json()) as { models: string[] }).models.length > 0, 60_000, `${name} ready`)
  return a
}

/** Watches the ingress's view: status changes per node, and when a node turns dead / alive (membership's verdicts, not `suspect`). */
function watchView(ingress: BenchAgent) {
  const last = new Map<string, string>()
  const changes: { name: string; status: string; at: number }[] = []
  let stop = false
  const loop = (async () => {
    while (!stop) {
      try {
        for (const n of await nodes(ingress)) {
          if (n.self) continue
          // `suspect` is membership's "not sure yet" (a late heartbeat): neither a detection nor a flap
          if (n.status === 'suspect') continue
          const alive = n.status === 'alive' ? 'alive' : 'down'
          if (last.has(n.name) && last.get(n.name) !== alive) changes.push({ name: n.name, status: alive, at: performance.now() })
          last.set(n.name, alive)
        }
      } catch {
        // the ingress is busy; next poll
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  })()
  return {
    changes,
    firstAfter: (name: string, status: string, t: number) => changes.find((c) => c.name === name && c.status === status && c.at >= t)?.at,
    stop: async () => {
      stop = true
      await loop
    }
  }
}

/** Clients sending sequential requests through the ingress; every request has its own id. */
function load(ingress: BenchAgent, scenario: string, clients: number) {
  const results: { id: string; t0: number; ms: number; ok: boolean; reason: string | null; status: number }[] = []
  let stop = false
  let n = 0
  const loops = Array.from({ length: clients }, async () => {
    while (!stop) {
      const id = `chaos-${scenario}-${n++}`
      const t0 = performance.now()
      try {
        const r = await fetch(`${ingress.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id },
          body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: `request ${id}` }], max_tokens: 4 })
        })
        await r.arrayBuffer()
        results.push({ id, t0, ms: performance.now() - t0, ok: r.status === 200, reason: r.headers.get('x-llmlb-route-reason'), status: r.status })
      } catch {
        results.push({ id, t0, ms: performance.now() - t0, ok: false, reason: null, status: 0 })
      }
    }
  })
  return {
    results,
    stop: async () => {
      stop = true
      await Promise.all(loops)
    }
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] as number)
}

/** Runs one scenario on a fresh cluster and returns its row. */
export async function runScenario(name: ScenarioName, o: ScenarioOptions): Promise<ScenarioRow> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-chaos-'))
  const model = join(dir, `${MODEL}.gguf`)
  await writeTinyGguf(model, { name: MODEL })
  const agents: BenchAgent[] = []
  try {
    const ingress = await startBenchAgent(['--name', 'ingress', '--cluster-key', KEY], {}, false, { routing: { failover: { headTimeoutFloorMs: o.headFloorMs } } })
    agents.push(ingress)
    const seed = await meshAddressOf(ingress)
    let a = await holder('holder-a', model, seed)
    agents.push(a)
    agents.push(await holder('holder-b', model, seed))
    await waitUntil(async () => (await nodes(ingress)).filter((n) => !n.self && n.status === 'alive').length === 2, 60_000, 'ingress sees both holders')
    const view = watchView(ingress)
    const clients = load(ingress, name, o.clients)
    await waitUntil(async () => clients.results.length >= o.clients * 5, 60_000, 'warm-up requests')
    const tFault = performance.now()
    const serviceMs = median(clients.results.map((r) => r.ms))
    const runtimePid = name === 'hung-runtime' ? Number(execFileSync('pgrep', ['-P', String(a.proc.pid)]).toString().trim().split('\n')[0]) : 0
    if (name === 'sigstop') a.proc.kill('SIGSTOP')
    else if (name === 'kill9') await a.kill()
    else process.kill(runtimePid, 'SIGSTOP')
    // a hung runtime is only noticed once the head bound passes: hold it past that
    await new Promise((r) => setTimeout(r, name === 'hung-runtime' ? o.holdMs + o.headFloorMs : o.holdMs))
    let tHeal = performance.now()
    if (name === 'sigstop') a.proc.kill('SIGCONT')
    else if (name === 'hung-runtime') process.kill(runtimePid, 'SIGCONT')
    else {
      // the load ends first: on a starved box a fresh agent under full load may not even start listening
      await clients.stop()
      a = await holder('holder-a', model, seed)
      agents.push(a)
      // from the moment the new holder can serve
      tHeal = performance.now()
    }
    // healed: the ingress sees holder-a alive and a request it serves succeeds
    await waitUntil(async () => (await nodes(ingress)).some((n) => n.name === 'holder-a' && n.status === 'alive'), 60_000, 'holder-a alive again')
    const healMs = name === 'hung-runtime' ? 0 : (view.firstAfter('holder-a', 'alive', tHeal) ?? performance.now()) - tHeal
    await new Promise((r) => setTimeout(r, 1000))
    await clients.stop()
    await view.stop()
    const detectAt = name === 'hung-runtime' ? clients.results.filter((r) => r.reason === 'failover' && r.t0 >= tFault).map((r) => r.t0 + r.ms).sort((x, y) => x - y)[0] : view.firstAfter('holder-a', 'down', tFault)
    const during = clients.results.filter((r) => r.t0 + r.ms >= tFault)
    let lost = 0
    for (const r of clients.results) if ((await fetch(`${ingress.url}/api/history/${r.id}`)).status !== 200) lost++
    return {
      scenario: name,
      requests: clients.results.length,
      failures: clients.results.filter((r) => !r.ok).length,
      worstMs: Math.max(0, ...during.map((r) => r.ms)),
      serviceMs,
      detectMs: detectAt === undefined ? null : detectAt - tFault,
      healMs,
      flaps: view.changes.filter((c) => c.name !== 'holder-a').length,
      recordsLost: lost,
      failedStatuses: clients.results.filter((r) => !r.ok).map((r) => r.status)
    }
  } finally {
    for (const x of agents) {
      try {
        x.proc.kill('SIGCONT')
      } catch {
        // gone
      }
      if (x.proc.exitCode === null && x.proc.signalCode === null) await x.kill()
    }
  }
}
