/**
 * `npm run bench -- proxy`: what fronting an engine costs. One local mock OpenAI engine (a fixed
 * answer, no model, in its own process) is called side by side in one run: directly, through Debian's
 * nginx `proxy_pass` (started here with a temp config), through a llmlb node fronting it
 * (`--engine`), through a second llmlb node (one mesh hop), and through the "node floor" (floor-proxy.ts:
 * fastify + undici forwarding and nothing else, the best any node on this stack can do here). Throughput at 1, 8 and 64 connections
 * (autocannon) and latency at one connection (sequential keep-alive requests timed in µs, since
 * autocannon's histogram counts whole ms); rounds interleave the targets so each sees the same load.
 * Goals: llmlb ≥ 0.5× nginx's throughput, ≤ 1 ms added p50 at one connection.
 */
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { loadavg } from 'node:os'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Pool } from 'undici'
import { meshAddressOf, startBenchAgent, startListening, waitUntil, type BenchAgent } from './agent-proc.js'
import { NGINX_INSTALL_HINT, nginxBinary, startNginx, type NginxProxy } from './nginx-proxy.js'
import { fmt, percentile, printTable } from './stats.js'

interface CannonResult {
  requests: { average: number }
  latency: { p50: number; p99: number }
  non2xx: number
  errors: number
}
type Cannon = (opts: Record<string, unknown>) => Promise<CannonResult>
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon

const MODEL = 'bench-model'
const ROUNDS = 3
const SECONDS = 3
const SEQUENTIAL = 600
const CONNECTIONS = [1, 8, 64] as const
const BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello' }] })
const HEADERS = { 'content-type': 'application/json' }

const SERVE_JS = resolve(fileURLToPath(import.meta.url), '..', '..', 'mock-engines', 'serve.js')
const FLOOR_JS = resolve(fileURLToPath(import.meta.url), '..', 'floor-proxy.js')

/** A mock engine in its own process (`serve.js` arguments); resolves with its URL once it listens. */
export function startEngine(args = ['openai', '--model', MODEL, '--answer', 'Hello! How can I help you today?']): Promise<{ url: string; proc: ChildProcess }> {
  return startListening(SERVE_JS, args)
}

/** Sequential requests on one kept-alive connection; latencies in ms (µs resolution). */
async function sequential(url: string, n: number): Promise<number[]> {
  const pool = new Pool(url, { connections: 1, headersTimeout: 30_000, bodyTimeout: 30_000 })
  const out: number[] = []
  try {
    for (let i = 0; i < n + 50; i++) {
      const t0 = process.hrtime.bigint()
      const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: HEADERS, body: BODY })
      await res.body.text()
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`)
      // the first 50 warm the connection and the JIT
      if (i >= 50) out.push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
  } finally {
    await pool.close()
  }
  return out
}

const hasModel = async (a: string): Promise<boolean> => ((await (await fetch(`${a}/v1/models`)).json()) as { data: { id: string }[] }).data.some((m) => m.id === MODEL)

interface Sample {
  rps: Record<number, number>
  p50: number
  p99: number
}

const range = (v: number[], digits = 0): string => (v.length ? `${fmt(Math.min(...v), digits)}–${fmt(Math.max(...v), digits)}` : 'n/a')

export async function proxyBench(): Promise<void> {
  const engine = await startEngine()
  const nginxBin = nginxBinary()
  let nginx: NginxProxy | undefined
  const agents: BenchAgent[] = []
  let floor: { url: string; proc: ChildProcess } | undefined
  try {
    floor = await startListening(FLOOR_JS, [engine.url])
    if (nginxBin) nginx = await startNginx(nginxBin, new URL(engine.url).host)
    else process.stdout.write(`proxy: ${NGINX_INSTALL_HINT}; nginx left out\n`)
    const key = randomBytes(32).toString('hex')
    const front = await startBenchAgent(['--engine', engine.url, '--cluster-key', key], {}, true)
    agents.push(front)
    await waitUntil(() => hasModel(front.url), 30_000, 'the fronting node to list the engine model')
    const hop = await startBenchAgent(['--peer', await meshAddressOf(front), '--cluster-key', key], {}, true)
    agents.push(hop)
    await waitUntil(() => hasModel(hop.url), 30_000, 'the second node to list the engine model')
    const targets: [string, string][] = [['direct', engine.url], ...(nginx ? [['nginx', nginx.url] as [string, string]] : []), ['node floor', floor.url], ['llmlb', front.url], ['llmlb +1 hop', hop.url]]
    const samples = new Map<string, Sample[]>(targets.map(([n]) => [n, []]))
    const load0 = loadavg()[0] ?? 0
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, url] of targets) {
        const rps: Record<number, number> = {}
        for (const c of CONNECTIONS) {
          const r = await autocannon({ url: `${url}/v1/chat/completions`, method: 'POST', headers: HEADERS, body: BODY, connections: c, duration: SECONDS, timeout: 30 })
          if (r.non2xx > 0 || r.errors > 0) process.stdout.write(`proxy: ${name} at ${c} connections: ${r.non2xx} non-2xx, ${r.errors} errors\n`)
          rps[c] = r.requests.average
        }
        const lat = await sequential(url, SEQUENTIAL)
        samples.get(name)?.push({ rps, p50: percentile(lat, 50), p99: percentile(lat, 99) })
      }
    }
    const load1 = loadavg()[0] ?? 0
    const of = (n: string): Sample[] => samples.get(n) ?? []
    printTable(
      `proxy: requests/s through each path (${ROUNDS} rounds × ${SECONDS} s, ranges; load average ${fmt(load0, 1)} → ${fmt(load1, 1)})`,
      ['path', ...CONNECTIONS.map((c) => `${c} conn req/s`), ...(nginx ? CONNECTIONS.map((c) => `${c} conn × nginx`) : [])],
      targets.map(([n]) => [
        n,
        ...CONNECTIONS.map((c) => range(of(n).map((s) => s.rps[c] ?? 0))),
        ...(nginx ? CONNECTIONS.map((c) => range(of(n).map((s, i) => (s.rps[c] ?? 0) / (of('nginx')[i]?.rps[c] ?? NaN)), 2)) : [])
      ])
    )
    printTable(
      `proxy: latency at one connection (${SEQUENTIAL} sequential requests a round), added over direct in the same round (ms)`,
      ['path', 'p50', 'p99', 'added p50', 'added p99'],
      targets.map(([n]) => [n, range(of(n).map((s) => s.p50), 3), range(of(n).map((s) => s.p99), 3), range(of(n).map((s, i) => s.p50 - (of('direct')[i]?.p50 ?? NaN)), 3), range(of(n).map((s, i) => s.p99 - (of('direct')[i]?.p99 ?? NaN)), 3)])
    )
    // a path's lowest throughput ratio to nginx's in the same round, over every connection count
    const worstToNginx = (n: string): number => (nginx ? Math.min(...CONNECTIONS.flatMap((c) => of(n).map((s, i) => (s.rps[c] ?? 0) / (of('nginx')[i]?.rps[c] ?? Infinity)))) : NaN)
    const worstRatio = worstToNginx('llmlb')
    const floorRatio = worstToNginx('node floor')
    const worstAdded = Math.max(...of('llmlb').map((s, i) => s.p50 - (of('direct')[i]?.p50 ?? 0)))
    process.stdout.write(`\nproxy goals: llmlb ≥ 0.5× nginx throughput: worst ${fmt(worstRatio)}× ${worstRatio >= 0.5 ? 'MET' : nginx ? 'NOT MET' : '(no nginx)'} (node floor, the same HTTP stack doing nothing else: worst ${fmt(floorRatio)}×); ≤ 1 ms added p50 at one connection: worst ${fmt(worstAdded, 3)} ms ${worstAdded <= 1 ? 'MET' : 'NOT MET'}\n`)
  } finally {
    await Promise.all(agents.map((a) => a.stop().catch(() => undefined)))
    await nginx?.stop().catch(() => undefined)
    floor?.proc.kill('SIGTERM')
    engine.proc.kill('SIGTERM')
  }
}
