/**
 * `llmlb models shard <model> [--nodes a,b,c] [--workers N] [--wait]`, `llmlb models unshard <model>` and
 * `llmlb models shards`: mark a model to be split over RPC workers (specs/sharding.md), unmark it, list
 * split models with their coordinator, workers and state. Exit codes: 0 ok, 1 node unreachable or the
 * split failed (`--wait`), 2 refused.
 */
import { fmtBytes } from '../models/model-errors.js'
import type { ShardView } from '../sharding/index.js'
import { callOrExit, refuseAndExit, targetOrExit, type ClientFlags, type Target } from './credentials.js'

export interface ShardFlags extends ClientFlags {
  nodes?: string
  workers?: string
  wait?: boolean
  json?: boolean
}

/** How often `--wait` asks for the state (ms), and for how long at most. */
const WAIT_POLL_MS = 500
const WAIT_MAX_MS = 15 * 60_000

const out = (s: string): boolean => process.stdout.write(s + '\n')

async function views(t: Target): Promise<ShardView[]> {
  const res = await callOrExit(t, 'GET', '/api/shards')
  if (res.status !== 200) refuseAndExit(res.status, res.body)
  return (res.body as { data: ShardView[] }).data
}

function line(v: ShardView): string {
  const workers = v.workers.map((w) => `${w.name} (${fmtBytes(w.bytes)})`).join(', ') || '-'
  return `${v.id.padEnd(32)} ${v.state.padEnd(9)} ${(v.coordinator?.name ?? '-').padEnd(16)} ${workers}${v.error ? `\n  ${v.error}` : ''}`
}

export async function modelsShardCommand(model: string, flags: ShardFlags): Promise<void> {
  const t = await targetOrExit(flags)
  const nodes = flags.nodes?.split(',').map((s) => s.trim()).filter(Boolean)
  const body = { ...(nodes && nodes.length > 0 ? { nodes } : {}), ...(flags.workers ? { workers: Number(flags.workers) } : {}) }
  const res = await callOrExit(t, 'PUT', `/api/models/${encodeURIComponent(model)}/shard`, body)
  if (res.status !== 200) refuseAndExit(res.status, res.body)
  out(`${model}: marked to split over RPC workers${nodes?.length ? ` on ${nodes.join(', ')}` : ''}`)
  if (!flags.wait) return
  const deadline = Date.now() + WAIT_MAX_MS
  let last = ''
  while (Date.now() < deadline) {
    const v = (await views(t)).find((x) => x.id === model)
    const now = v ? line(v) : ''
    if (now && now !== last) out(now)
    last = now
    if (v?.state === 'serving') return
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS))
  }
  process.stderr.write(`llmlb: ${model} is not serving split yet\n`)
  process.exit(1)
}

export async function modelsUnshardCommand(model: string, flags: ClientFlags): Promise<void> {
  const t = await targetOrExit(flags)
  const res = await callOrExit(t, 'DELETE', `/api/models/${encodeURIComponent(model)}/shard`)
  if (res.status !== 200) refuseAndExit(res.status, res.body)
  out(`${model}: no longer split (its workers are released)`)
}

export async function modelsShardsCommand(flags: ShardFlags): Promise<void> {
  const list = await views(await targetOrExit(flags))
  if (flags.json) return void out(JSON.stringify(list, null, 2))
  if (list.length === 0) return void out('no model is split')
  out(`${'MODEL'.padEnd(32)} ${'STATE'.padEnd(9)} ${'COORDINATOR'.padEnd(16)} WORKERS`)
  for (const v of list) out(line(v))
}
