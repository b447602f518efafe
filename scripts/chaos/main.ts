/**
 * `npm run chaos [-- section…] [--bounded]`: faults and abuse against real nodes, printed as tables
 * with their goals (specs/chaos.md). Exits 1 when a goal is missed. `--bounded` is the form CI runs:
 * shorter faults, fewer fuzz cases and connections.
 * Sections: sigstop, kill9, hung-runtime, fuzz, slow-loris, flood, and the network faults in
 * namespaces (root only): partition, lossy-link, clock-offset (default: all).
 */
import '../../mesh/src/polyfill.js'
import { writeTinyGguf } from '../../native-runtime/src/gguf/tiny-gguf.js'
import { startBenchAgent } from '../bench/agent-proc.js'
import { startMockHub } from '../mock-hf-hub.js'
import { useScratchTmp } from '../scratch-tmp.js'
import { scriptArgs } from '../script-args.js'
import { runScenario, SCENARIOS, type ScenarioName, type ScenarioRow } from './cluster-scenarios.js'
import { fuzzAll, routesOf, runsModel, type FuzzRoute } from './http-fuzz.js'
import { runAbuse, type AbuseRow } from './connection-abuse.js'
import { connectionsCheckMs } from '../../agent/src/http/connection-check.js'
import { LAN_SCENARIOS, labUnavailable, runLan, type LanRow, type LanScenario } from './netns/index.js'
import { join } from 'node:path'
import { tmpdir } from 'node:os'

const SECTIONS = [...SCENARIOS, 'fuzz', 'slow-loris', 'flood', ...LAN_SCENARIOS] as const
const USAGE = `usage: npm run chaos [-- section…] [--bounded] [--fuzz-runs N]
Fault scenarios and abuse against real nodes, with goals (specs/chaos.md); exits 1 when one is missed.
sections: ${SECTIONS.join(', ')} (default: all)
  --bounded      the CI form: 3 s faults, 100 fuzz cases per route, 2,000 connections; timing
                 goals are printed but only correctness goals fail the run
  --fuzz-runs N  fuzz cases per route (default 10000; a route that runs the model gets a fifth)`
const { positionals, values } = scriptArgs(USAGE, { bounded: { type: 'boolean' }, 'fuzz-runs': { type: 'string' } })
for (const p of positionals) if (!(SECTIONS as readonly string[]).includes(p)) {
  process.stderr.write(`error: unknown section ${p}\n${USAGE}\n`)
  process.exit(2)
}
const wanted = positionals.length > 0 ? positionals : [...SECTIONS]
const bounded = values.bounded === true
const fuzzRuns = Number(values['fuzz-runs'] ?? (bounded ? 100 : 10_000))
const HOLD_MS = bounded ? 3_000 : 6_000
const HEAD_FLOOR_MS = 8_000
const HEAL_GOAL_MS = 5_000

const cleanUp = useScratchTmp('llmlb-chaos-run-')
process.once('exit', cleanUp)
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(sig === 'SIGINT' ? 130 : 143))

const missed: string[] = []
/**
 * Timing goals (worst latency, heal, flaps, connection lifetimes) depend on the machine's load: the
 * bounded CI form prints them but fails only on correctness (failures, lost records, connections left
 * open, a node that stopped serving, a fuzz finding). The full run enforces every goal.
 */
const TIMING = ['worst', 'heal', 'flaps', 'too long', 'lossy node']
const miss = (what: string, problems: string[]): void => {
  const enforced = bounded ? problems.filter((p) => !TIMING.some((t) => p.startsWith(t))) : problems
  if (enforced.length > 0) missed.push(`${what}: ${enforced.join(', ')}`)
}
const out = (s: string): boolean => process.stdout.write(`${s}\n`)
const ms = (v: number | null): string => (v === null ? '—' : `${Math.round(v)}`)
out(`# llmlb chaos — ${new Date().toISOString()} — node ${process.version}${bounded ? ' — bounded (CI)' : ''}`)

const scenarios = wanted.filter((w): w is ScenarioName => (SCENARIOS as readonly string[]).includes(w))
if (scenarios.length > 0) {
  out(`\n## Faults under load (ingress + 2 holders, 8 clients, fault held ${HOLD_MS / 1000} s, head bound floor ${HEAD_FLOOR_MS / 1000} s)`)
  out('goals: 0 failures for unstarted work; worst latency ≤ detect + 2 × service time; heal ≤ 5 s; 0 flaps of healthy nodes; 0 history records lost\n')
  out('| scenario | requests | failures | worst ms | service ms | detect ms | heal ms | flaps | records lost | goals |')
  out('|---|---|---|---|---|---|---|---|---|---|')
  for (const s of scenarios) {
    let r: ScenarioRow
    try {
      r = await runScenario(s, { clients: 8, holdMs: HOLD_MS, headFloorMs: HEAD_FLOOR_MS })
    } catch (err) {
      missed.push(`${s}: ${(err as Error).message}`)
      out(`| ${s} | — | — | — | — | — | — | — | — | did not complete: ${(err as Error).message} |`)
      continue
    }
    const bound = (r.detectMs ?? 0) + 2 * r.serviceMs
    const problems = [
      r.failures > 0 ? 'failures' : '',
      r.detectMs === null ? 'not detected' : r.worstMs > bound ? `worst > ${Math.round(bound)}` : '',
      r.healMs !== null && r.healMs > HEAL_GOAL_MS ? 'heal' : '',
      r.flaps > 0 ? 'flaps' : '',
      r.recordsLost > 0 ? 'records lost' : ''
    ].filter(Boolean)
    miss(s, problems.map((p) => (p === 'failures' ? `failures (statuses ${r.failedStatuses.join(' ')})` : p)))
    out(`| ${r.scenario} | ${r.requests} | ${r.failures} | ${ms(r.worstMs)} | ${ms(r.serviceMs)} | ${ms(r.detectMs)} | ${ms(r.healMs)} | ${r.flaps} | ${r.recordsLost} | ${problems.length === 0 ? 'met' : problems.join(', ')} |`)
  }
}

if (wanted.includes('fuzz')) {
  const model = join(tmpdir(), 'fuzz-model.gguf')
  await writeTinyGguf(model, { name: 'fuzz-model' })
  // pulls go to a hub that has no repos (every repo a 404), never to the real one
  const hub = await startMockHub([])
  const node = await startBenchAgent(['--name', 'fuzzed', '--model', model], { HF_ENDPOINT: hub.endpoint })
  try {
    const routes = await routesOf(node.url)
    const runs = (r: FuzzRoute): number => (runsModel(r) ? Math.ceil(fuzzRuns / 5) : fuzzRuns)
    const t0 = performance.now()
    const reports = await fuzzAll(node.url, routes, runs, { model: ['fuzz-model'], id: ['fuzz-model'] }, 4)
    out(`\n## HTTP fuzzing: ${routes.length} routes of the route table, ${fuzzRuns} cases each (${Math.ceil(fuzzRuns / 5)} for routes that run the model), ${Math.round((performance.now() - t0) / 1000)} s`)
    out("goals: no 5xx but 503; errors in each API's shape; the node answers every case and survives\n")
    out('| route | cases | answers | failure |')
    out('|---|---|---|---|')
    for (const r of reports) {
      if (r.failure) missed.push(`fuzz ${r.route}`)
      const answers = Object.entries(r.statuses).sort().map(([k, v]) => `${k}: ${v}`).join(', ')
      out(`| ${r.route} | ${r.cases} | ${answers} | ${r.failure ? `${r.failure.problem.slice(0, 120)} — ${JSON.stringify(r.failure.case).slice(0, 200)}` : '—'} |`)
    }
    if (node.proc.exitCode !== null) missed.push('fuzz: the node died')
  } finally {
    await node.kill()
    await hub.close()
  }
}

const abuse = wanted.filter((w): w is 'slow-loris' | 'flood' => w === 'slow-loris' || w === 'flood')
if (abuse.length > 0) {
  const opts = { connections: bounded ? 2_000 : 10_000, maxConnections: 1_000, headersTimeoutMs: 5_000, waitMs: 60_000 }
  const checkMs = connectionsCheckMs(opts.headersTimeoutMs)
  out(`\n## Connection abuse (node limits: maxConnections ${opts.maxConnections}, headersTimeoutMs ${opts.headersTimeoutMs}; deadlines checked every ${checkMs / 1000} s)`)
  out(`goals: every connection refused or cut (0 left open), none lives past headersTimeout + ${checkMs / 1000} s (the check) + 2 s (scheduling), the node serves right after\n`)
  out('| scenario | connections | refused at once | cut | left open | never accepted (kernel) | longest ms | served after |')
  out('|---|---|---|---|---|---|---|---|')
  for (const k of abuse) {
    const r: AbuseRow = await runAbuse(k, k === 'slow-loris' ? { ...opts, connections: bounded ? 200 : 1_000 } : opts)
    const problems = [r.open > 0 ? 'left open' : '', r.longestMs > opts.headersTimeoutMs + checkMs + 2_000 ? 'too long' : '', r.served ? '' : 'not served'].filter(Boolean)
    miss(k, problems)
    out(`| ${r.scenario} | ${r.connections} | ${r.refused} | ${r.cut} | ${r.open} | ${r.neverAccepted} | ${ms(r.longestMs)} | ${r.served ? 'yes' : 'no'} |`)
  }
}

const lan = wanted.filter((w): w is LanScenario => (LAN_SCENARIOS as readonly string[]).includes(w))
if (lan.length > 0) {
  out('\n## Network faults in namespaces (5 boxes on a bridge, production timings, mDNS, auth on)')
  out('goals: 0 failures (each side serves what it holds; 404/503 only for what lives solely across a split); heal (control plane converged on every box) ≤ 5 s; 0 flaps beyond the fault; 0 history records lost; every correctness check holds\n')
  out('| scenario | requests | failures | worst ms | service ms | detect ms | heal ms | flaps | records lost | goals |')
  out('|---|---|---|---|---|---|---|---|---|---|')
  const why = labUnavailable()
  for (const s of lan) {
    if (why) {
      // not root (a developer's box): said, not failed; CI runs as root
      out(`| ${s} | — | — | — | — | — | — | — | — | skipped: ${why} |`)
      continue
    }
    let r: LanRow
    try {
      r = await runLan(s, bounded)
    } catch (err) {
      missed.push(`${s}: ${(err as Error).message}`)
      out(`| ${s} | — | — | — | — | — | — | — | — | did not complete: ${(err as Error).message} |`)
      continue
    }
    const problems = [
      r.failures > 0 ? 'failures' : '',
      r.healMs !== null && r.healMs > HEAL_GOAL_MS ? 'heal' : '',
      r.flaps > 0 ? 'flaps' : '',
      r.recordsLost > 0 ? 'records lost' : '',
      ...r.problems
    ].filter(Boolean)
    miss(s, problems)
    out(`| ${r.scenario} | ${r.requests} | ${r.failures} | ${ms(r.worstMs)} | ${ms(r.serviceMs)} | ${ms(r.detectMs)} | ${ms(r.healMs)} | ${r.flaps} | ${r.recordsLost} | ${problems.length === 0 ? 'met' : problems.join('; ')} |`)
    for (const note of r.notes) out(`  - ${note}`)
  }
}

out(missed.length === 0 ? '\nevery goal met' : `\ngoals missed: ${missed.join('; ')}`)
process.exit(missed.length === 0 ? 0 : 1)
