/**
 * `llmlb models list | pull | rm | load | unload` against a running node (see credentials.ts for how
 * the node is found). `pull` shows a progress bar per node (bytes, rate, ETA) until every node has
 * verified and registered the model. Exit codes: 0 ok, 1 node unreachable or a pull failed, 2 refused.
 */
import cliProgress, { MultiBar, Presets, type SingleBar } from 'cli-progress'
import type { PullRecord } from '../models/index.js'
import type { StoredModelView } from '../models/model-manager.js'
import { fmtBytes } from '../models/model-errors.js'
import { callOrExit, refuseAndExit, targetOrExit, type ClientFlags, type Target } from './credentials.js'

export interface PullFlags extends ClientFlags {
  quant?: string
  node?: string[]
  all?: boolean
}

export interface NodeFlags extends ClientFlags {
  node?: string[]
  all?: boolean
  json?: boolean
}

/** How often `pull` asks for progress (ms). */
export const PULL_POLL_MS = 250
/** A peer resolves the repo before it answers a placed pull (ms). */
const PULL_REQUEST_TIMEOUT_MS = 90_000

const out = (s: string): boolean => process.stdout.write(s + '\n')

interface NodeModels {
  node: string
  data?: StoredModelView[]
  pulls?: PullRecord[]
  error?: unknown
}

async function clusterModels(t: Target): Promise<NodeModels[]> {
  const res = await callOrExit(t, 'GET', '/api/models?scope=cluster', undefined, 30_000)
  if (res.status !== 200) refuseAndExit(res.status, res.body)
  return (res.body as { nodes: NodeModels[] }).nodes
}

export async function modelsListCommand(flags: NodeFlags): Promise<void> {
  const nodes = await clusterModels(await targetOrExit(flags))
  if (flags.json) return void out(JSON.stringify(nodes, null, 2))
  const byId = new Map<string, { m: StoredModelView; stored: string[]; loaded: string[] }>()
  for (const n of nodes) {
    for (const m of n.data ?? []) {
      const row = byId.get(m.id) ?? { m, stored: [], loaded: [] }
      row.stored.push(n.node)
      if (m.state === 'loaded') row.loaded.push(n.node)
      byId.set(m.id, row)
    }
  }
  if (byId.size === 0) out('no models stored on any node')
  else {
    out(`${'MODEL'.padEnd(36)} ${'QUANT'.padEnd(8)} ${'SIZE'.padEnd(9)} ${'CTX'.padEnd(7)} ${'STORED ON'.padEnd(24)} LOADED ON`)
    for (const { m, stored, loaded } of [...byId.values()].sort((a, b) => a.m.id.localeCompare(b.m.id))) {
      out(`${m.id.padEnd(36)} ${m.quantization.padEnd(8)} ${fmtBytes(m.sizeBytes).padEnd(9)} ${String(m.contextLength).padEnd(7)} ${stored.join(',').padEnd(24)} ${loaded.join(',') || '-'}`)
    }
  }
  for (const n of nodes) if (n.error) out(`(${n.node} did not answer)`)
}

const namesOf = (flags: NodeFlags | PullFlags): string | undefined => (flags.all ? 'all' : flags.node && flags.node.length > 0 ? flags.node.join(',') : undefined)

/** The pulls started, per node, from the answer of POST /api/models/pull. */
function startedPulls(body: unknown): { node: string; pull?: PullRecord; error?: string }[] {
  const b = body as { node?: string; pull?: PullRecord; data?: { node: string; status: number; body: { pull?: PullRecord; error?: { message?: string } } }[] }
  if (b.pull && b.node) return [{ node: b.node, pull: b.pull }]
  return (b.data ?? []).map((r) => (r.body?.pull ? { node: r.node, pull: r.body.pull } : { node: r.node, error: r.body?.error?.message ?? `HTTP ${r.status}` }))
}

export async function modelsPullCommand(source: string, flags: PullFlags): Promise<void> {
  const t = await targetOrExit(flags)
  const names = namesOf(flags)
  const body = { source, ...(flags.quant ? { quant: flags.quant } : {}), ...(flags.all ? { all: true } : names ? { nodes: flags.node } : {}) }
  const res = await callOrExit(t, 'POST', '/api/models/pull', body, PULL_REQUEST_TIMEOUT_MS)
  if (res.status !== 202) refuseAndExit(res.status, res.body)
  const started = startedPulls(res.body)
  let failed = false
  for (const s of started) if (s.error) {
    failed = true
    process.stderr.write(`llmlb: ${s.node}: ${s.error}\n`)
  }
  const tracked = started.filter((s): s is { node: string; pull: PullRecord } => s.pull !== undefined)
  const first = tracked[0]?.pull
  if (first) out(`${first.repo} → ${first.modelId} (${first.choice})`)
  // one line per node that fits an 80-column terminal: names padded to the longest, a 24-cell bar; a
  // finished pull keeps its average rate and its time (the node reports no rate any more)
  const width = Math.max(...tracked.map((s) => s.node.length))
  const line = (tail: string): string => `{node} |{bar}| {percentage}% {done}/{total_h} {rate} ${tail} {state}`
  const multi = new MultiBar(
    {
      format: (options, params, payload: { finished: boolean }) => cliProgress.Format.Formatter({ ...options, format: line(payload.finished ? 'in {seconds} s' : 'ETA {eta_formatted}') }, params, payload),
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: false
    },
    Presets.shades_classic
  )
  const total = (p: PullRecord): number => p.files.reduce((s, f) => s + f.size, 0)
  const got = (p: PullRecord): number => p.files.reduce((s, f) => s + f.received, 0)
  const payload = (node: string, p: PullRecord) => {
    const seconds = (p.updatedAt - p.startedAt) / 1000
    const finished = p.state === 'done' && seconds > 0
    const rate = finished ? total(p) / seconds : p.bytesPerSecond
    return { node: node.padEnd(width), done: fmtBytes(got(p)), total_h: fmtBytes(total(p)), rate: `${fmtBytes(rate)}/s`, finished, seconds: seconds.toFixed(1), state: p.state }
  }
  const bars = new Map<string, SingleBar>()
  for (const { node, pull } of tracked) bars.set(node, multi.create(total(pull), got(pull), payload(node, pull)))
  const finished = new Map<string, PullRecord>()
  while (finished.size < tracked.length) {
    await new Promise((r) => setTimeout(r, PULL_POLL_MS))
    const view = tracked.length === 1 && tracked[0]?.node && !names ? [await nodeModels(t, tracked[0].node)] : await clusterModels(t)
    for (const { node, pull } of tracked) {
      const now = view.find((n) => n.node === node)?.pulls?.find((p) => p.id === pull.id)
      if (!now || finished.has(node)) continue
      bars.get(node)?.update(got(now), payload(node, now))
      if (now.state === 'done' || now.state === 'failed') finished.set(node, now)
    }
  }
  multi.stop()
  for (const [node, p] of finished) {
    if (p.state === 'failed') {
      failed = true
      process.stderr.write(`llmlb: ${node}: pull failed: ${p.error ?? 'unknown error'}\n`)
    } else out(`${node}: ${p.modelId} stored (${fmtBytes(total(p))}, SHA-256 verified)`)
  }
  if (failed) process.exit(1)
}

async function nodeModels(t: Target, node: string): Promise<NodeModels> {
  const res = await callOrExit(t, 'GET', '/api/models')
  if (res.status !== 200) refuseAndExit(res.status, res.body)
  return { ...(res.body as NodeModels), node }
}

/** `rm`, `load`, `unload`: one node (default: the target), named nodes, or every node. */
function perNodeCommand(method: 'DELETE' | 'POST', suffix: string, verb: string) {
  return async (id: string, flags: NodeFlags): Promise<void> => {
    const t = await targetOrExit(flags)
    const names = namesOf(flags)
    const path = `/api/models/${encodeURIComponent(id)}${suffix}${names ? `?node=${encodeURIComponent(names)}` : ''}`
    const res = await callOrExit(t, method, path, undefined, 120_000)
    const rows = (res.body as { data?: { node: string; status: number; body: unknown }[]; node?: string }) ?? {}
    if (rows.data) {
      for (const r of rows.data) out(r.status === 200 ? `${r.node}: ${verb} ${id}` : `${r.node}: ${(r.body as { error?: { message?: string } })?.error?.message ?? `HTTP ${r.status}`}`)
    } else if (res.status === 200) out(`${rows.node ?? 'node'}: ${verb} ${id}`)
    if (res.status !== 200) refuseAndExit(res.status, res.body)
  }
}

export const modelsRmCommand = perNodeCommand('DELETE', '', 'removed')
export const modelsLoadCommand = perNodeCommand('POST', '/load', 'loaded')
export const modelsUnloadCommand = perNodeCommand('POST', '/unload', 'unloaded')
