/**
 * Routing benchmark, part 1: the deterministic simulator. 8 heterogeneous nodes (speeds 1×…4×,
 * different slots), 8 ingress nodes each seeing the others through heartbeat-old adverts, Poisson
 * arrivals at 50/85/95 % of capacity; then a multi-turn shared-prefix workload.
 */
import { POLICIES } from './sim/policies.js'
import { simulate, type Scenario } from './sim/simulate.js'
import { fmt, printTable } from './stats.js'

const SPEEDS = [1, 1.5, 2, 2.5, 3, 3.5, 4, 4]
const SLOTS = [2, 2, 4, 2, 4, 4, 8, 4]
const REQUESTS = 20_000
const SEEDS = [11, 23, 37]

function run(policy: string, s: Omit<Scenario, 'seed'>): { p50: number; p99: number; hitRate: number } {
  // average over seeds so one lucky draw does not decide a row
  const rs = SEEDS.map((seed) => simulate((POLICIES[policy] as () => ReturnType<(typeof POLICIES)[string]>)(), { ...s, seed }))
  const avg = (k: 'p50' | 'p99' | 'hitRate'): number => rs.reduce((a, r) => a + r[k], 0) / rs.length
  return { p50: avg('p50'), p99: avg('p99'), hitRate: avg('hitRate') }
}

export async function routingSimBench(): Promise<void> {
  const rows: (string | number)[][] = []
  for (const load of [0.5, 0.85, 0.95]) {
    const base = { speeds: SPEEDS, slots: SLOTS, load, workload: 'independent' as const, requests: REQUESTS, maxTokens: 256 }
    const res = Object.fromEntries(Object.keys(POLICIES).map((p) => [p, run(p, base)]))
    const o = res.oracle as { p99: number }
    const rr = res['round-robin'] as { p99: number }
    const tps = res['tps-argmax (original)'] as { p99: number }
    for (const [p, r] of Object.entries(res)) {
      rows.push([`${Math.round(load * 100)}%`, p, fmt(r.p50 / 1000), fmt(r.p99 / 1000), fmt(r.p99 / o.p99), fmt(r.p99 / rr.p99), fmt(r.p99 / tps.p99)])
    }
  }
  printTable(
    `routing simulator: independent requests (8 nodes, speeds ${SPEEDS.join('/')}×, slots ${SLOTS.join('/')}, ${REQUESTS} requests × ${SEEDS.length} seeds)`,
    ['load', 'policy', 'p50 s', 'p99 s', 'p99 / oracle', 'p99 / round-robin', 'p99 / tps-argmax'],
    rows
  )
  const prow: (string | number)[][] = []
  const pbase = { speeds: SPEEDS, slots: SLOTS, load: 0.85, workload: 'multi-turn' as const, requests: REQUESTS, maxTokens: 256 }
  const pres = Object.fromEntries(['round-robin', 'least-in-flight', 'llmlb (ours)', 'oracle'].map((p) => [p, run(p, pbase)]))
  const rrHit = (pres['round-robin'] as { hitRate: number }).hitRate
  const lif = (pres['least-in-flight'] as { p99: number }).p99
  for (const [p, r] of Object.entries(pres)) prow.push([p, fmt(r.hitRate * 100, 1), fmt(r.hitRate / rrHit), fmt(r.p50 / 1000), fmt(r.p99 / 1000), fmt(r.p99 / lif)])
  printTable('routing simulator: multi-turn shared-prefix conversations at 85% load', ['policy', 'prefix hits %', 'hits / round-robin', 'p50 s', 'p99 s', 'p99 / least-in-flight'], prow)
}
