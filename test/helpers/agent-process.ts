/**
 * Spawns real `llmlb serve` processes (the built CLI) for integration tests, each with its own
 * temporary data dir, and tears them down. Readiness is awaited from the lock file and /health,
 * never from a fixed sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { writeTinyGguf, type TinyGgufOptions } from '../../native-runtime/src/gguf/tiny-gguf.js'
import { within } from './within.js'

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..')
export const CLI = join(REPO_ROOT, 'bin', 'llmlb.js')

export interface StartOptions {
  name?: string
  dataDir?: string
  models?: string[]
  peers?: string[]
  clusterKey?: string
  args?: string[]
  env?: Record<string, string>
  /** Wait for at least this many loaded models in /ready. @default models.length */
  readyModels?: number
  /** Start with authentication on (the default for the suites is `LLMLB_AUTH=off`). */
  auth?: boolean
  /** LLMLB_ADMIN_PASSWORD for a node started with `auth: true`. */
  adminPassword?: string
}

export interface RunningAgent {
  name: string
  url: string
  port: number
  pid: number
  dataDir: string
  proc: ChildProcess
  output: () => string
  /** Graceful stop (SIGTERM) and wait for exit. */
  stop: () => Promise<number | null>
  /** SIGKILL and wait for exit. */
  kill: () => Promise<void>
}

const running = new Set<RunningAgent>()

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastErr: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      lastErr = err
    }
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`)
}

export async function tempDir(prefix = 'llmlb-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

/** Writes a tiny GGUF into a temp folder and returns its path. */
export async function tinyModel(id: string, opts: TinyGgufOptions = {}): Promise<string> {
  const dir = await tempDir('llmlb-model-')
  const path = join(dir, `${id}.gguf`)
  await writeTinyGguf(path, { name: id, ...opts })
  return path
}

/** Longest a graceful stop may take before the agent is killed (ms): drain (10 s) plus margin. */
const STOP_GRACE_MS = 30_000

function exited(proc: ChildProcess, ms = STOP_GRACE_MS): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode)
  return within(new Promise((r) => proc.once('exit', (code) => r(code))), `process ${proc.pid} to exit`, ms)
}

/** Runs the CLI to completion (for `status`, `stop`, a refused second `serve`…). */
export async function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (d) => (stdout += d))
  proc.stderr.on('data', (d) => (stderr += d))
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs)
  const code = await exited(proc, timeoutMs + 10_000)
  clearTimeout(timer)
  return { code, stdout, stderr }
}

export async function startAgent(opts: StartOptions = {}): Promise<RunningAgent> {
  const dataDir = opts.dataDir ?? (await tempDir())
  const name = opts.name ?? `node-${Math.random().toString(36).slice(2, 7)}`
  const args = ['serve', '--profile', 'test', '--data-dir', dataDir, '--name', name, '--log-level', 'warn', '--slots', '2']
  for (const m of opts.models ?? []) args.push('--model', m)
  for (const p of opts.peers ?? []) args.push('--peer', p)
  if (opts.clusterKey) args.push('--cluster-key', opts.clusterKey)
  args.push(...(opts.args ?? []))
  const proc = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, LLMLB_AUTH: opts.auth ? 'on' : 'off', ...(opts.adminPassword ? { LLMLB_ADMIN_PASSWORD: opts.adminPassword } : {}), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let log = ''
  proc.stdout?.on('data', (d) => (log += d))
  proc.stderr?.on('data', (d) => (log += d))
  const lock = await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`agent exited with ${proc.exitCode}: ${log}`)
    const l = JSON.parse(await readFile(join(dataDir, 'llmlb.lock'), 'utf8')) as { port: number; pid: number }
    return l.port > 0 && l.pid === proc.pid ? l : undefined
  }, `agent ${name} to listen`, 60_000)
  const url = `http://127.0.0.1:${lock.port}`
  const want = opts.readyModels ?? opts.models?.length ?? 0
  await waitFor(async () => {
    const r = (await (await fetch(`${url}/ready`)).json()) as { models: string[] }
    return r.models.length >= want
  }, `agent ${name} to be ready`, 60_000)
  const agent: RunningAgent = {
    name,
    url,
    port: lock.port,
    pid: proc.pid as number,
    dataDir,
    proc,
    output: () => log,
    stop: async () => {
      running.delete(agent)
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
      try {
        return await exited(proc)
      } catch (err) {
        proc.kill('SIGKILL')
        await exited(proc)
        throw new Error(`agent ${name} did not stop on SIGTERM within ${STOP_GRACE_MS} ms (killed): ${(err as Error).message}`)
      }
    },
    kill: async () => {
      running.delete(agent)
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
      await exited(proc)
    }
  }
  running.add(agent)
  return agent
}

/** Kills every agent a test left running and removes nothing else (data dirs are in tmp). */
export async function stopAllAgents(): Promise<void> {
  await Promise.all([...running].map((a) => a.kill()))
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** A node's view of the cluster (GET /api/nodes). */
export interface NodeEntry {
  self: boolean
  name: string
  peer_id: string | null
  status: string
  addresses: string[]
  models: { id: string; loaded: boolean; slotsBusy: number; slotsTotal: number; queueDepth: number; tokensPerSecond: number }[]
  inFlight: number
  /** The ping round trip from the asking node (ms); null for itself and until measured. */
  rtt_ms?: number | null
}

/** The Authorization header of a node's local admin token (auth on), or nothing (auth off). */
export async function localAdminHeaders(a: RunningAgent): Promise<Record<string, string>> {
  const token = await readFile(join(a.dataDir, 'local-admin.token'), 'utf8').then((t) => t.trim(), () => undefined)
  return token ? { authorization: `Bearer ${token}` } : {}
}

export async function nodesOf(a: RunningAgent): Promise<NodeEntry[]> {
  return ((await (await fetch(`${a.url}/api/nodes`, { headers: await localAdminHeaders(a) })).json()) as { data: NodeEntry[] }).data
}

/** The loopback mesh multiaddr (with /p2p/<id>) others can bootstrap from. */
export async function meshAddress(a: RunningAgent): Promise<string> {
  const self = (await nodesOf(a)).find((n) => n.self)
  const addr = self?.addresses.find((x) => x.includes('/127.0.0.1/'))
  if (!addr) throw new Error(`${a.name} has no loopback mesh address: ${JSON.stringify(self?.addresses)}`)
  return addr
}

/** Model ids a node lists in /v1/models. */
export async function modelIdsOf(a: RunningAgent): Promise<string[]> {
  const body = (await (await fetch(`${a.url}/v1/models`)).json()) as { data: { id: string }[] }
  return body.data.map((m) => m.id).sort()
}
