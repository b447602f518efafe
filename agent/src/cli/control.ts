/**
 * `llmlb status | stop | peers`: find the node of a data dir (its lock file) or use `--url`,
 * then ask it over HTTP. Exit codes: 0 ok, 1 not running / unreachable.
 */
import { resolve } from 'node:path'
import { expandHome } from '../config/index.js'
import { configFromEnv } from '../config/env.js'
import { isProcessAlive, readLock } from '../node/data-dir-lock.js'
import { resolveTarget } from './credentials.js'

export interface TargetFlags {
  dataDir?: string
  url?: string
  /** Credential for `--url` targets (`--data-dir` targets use the node's local admin token). */
  apiKey?: string
  json?: boolean
}

const out = (s: string): boolean => process.stdout.write(s + '\n')
const err = (s: string): boolean => process.stderr.write(s + '\n')

function dataDirOf(flags: TargetFlags): string {
  return resolve(expandHome(flags.dataDir ?? (configFromEnv().dataDir as string | undefined) ?? '~/.llmlb'))
}

/** Base URL of the target node, or undefined (with a message) when it is not running. */
async function targetUrl(flags: TargetFlags): Promise<string | undefined> {
  if (flags.url) return flags.url.replace(/\/$/, '')
  const dir = dataDirOf(flags)
  const lock = await readLock(dir)
  if (!lock || !isProcessAlive(lock.pid)) {
    err(`llmlb: no node is running for ${dir}`)
    return undefined
  }
  return `http://127.0.0.1:${lock.port}`
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) })
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`)
  return res.json()
}

interface NodeRow {
  self: boolean
  name: string
  status: string
  peer_id: string | null
  httpUrl: string
  inFlight: number
  models: { id: string; loaded: boolean; slotsBusy: number; slotsTotal: number; tokensPerSecond: number }[]
}

export async function statusCommand(flags: TargetFlags): Promise<void> {
  const base = await targetUrl(flags)
  if (!base) process.exit(1)
  try {
    const health = (await getJson(`${base}/health`)) as { name: string; version: string; uptime_s: number }
    const ready = await fetch(`${base}/ready`).then((r) => r.json() as Promise<{ ready: boolean; runtime: string; models: string[] }>)
    out(`node ${health.name} (llmlb ${health.version}) at ${base}: up ${health.uptime_s}s, runtime ${ready.runtime}, ${ready.ready ? 'ready' : 'not ready'}`)
    out(`cluster models: ${ready.models.join(', ') || 'none'}`)
  } catch (e) {
    err(`llmlb: ${base} does not answer: ${(e as Error).message}`)
    process.exit(1)
  }
}

export async function stopCommand(flags: TargetFlags): Promise<void> {
  const dir = dataDirOf(flags)
  const lock = await readLock(dir)
  if (!lock || !isProcessAlive(lock.pid)) {
    err(`llmlb: no node is running for ${dir}`)
    process.exit(1)
  }
  process.kill(lock.pid, 'SIGTERM')
  const deadline = Date.now() + 30_000
  while (isProcessAlive(lock.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  if (isProcessAlive(lock.pid)) {
    err(`llmlb: pid ${lock.pid} did not stop within 30 s`)
    process.exit(1)
  }
  out(`stopped node (pid ${lock.pid})`)
}

export async function peersCommand(flags: TargetFlags): Promise<void> {
  const base = await targetUrl(flags)
  if (!base) process.exit(1)
  // /api/nodes needs nodes:read: the local admin token (data dir) or --api-key / LLMLB_API_KEY
  const target = await resolveTarget(flags)
  const body = (await getJson(`${base}/api/nodes`, 'error' in target ? {} : target.headers)) as { data: NodeRow[] }
  if (flags.json) {
    out(JSON.stringify(body.data, null, 2))
    return
  }
  for (const n of body.data) {
    const models = n.models.map((m) => `${m.id}${m.loaded ? '' : ' (not loaded)'} ${m.slotsBusy}/${m.slotsTotal}`).join(', ')
    out(`${n.self ? '*' : ' '} ${n.name.padEnd(16)} ${n.status.padEnd(8)} ${n.httpUrl.padEnd(28)} ${n.peer_id ?? ''}\n    models: ${models || 'none'}`)
  }
}
