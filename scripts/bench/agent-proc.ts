/** Starts and stops real `llmlb serve` processes for benchmarks (same CLI as users run). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..')
export const CLI = join(ROOT, 'bin', 'llmlb.js')

/** Whether agents and the bench itself can be pinned to cores (Linux, taskset, 2+ cores). */
export function canPinCores(): boolean {
  return process.platform === 'linux' && availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0
}

/**
 * Runs `fn` with this process (every thread) pinned to `cpus`, then gives it back the cores it had.
 * The cores are read before pinning: once pinned, `availableParallelism()` reports the pinned set only.
 */
export async function pinnedTo<T>(cpus: string, fn: () => Promise<T>): Promise<T> {
  const all = `0-${availableParallelism() - 1}`
  spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' })
  try {
    return await fn()
  } finally {
    spawnSync('taskset', ['-a', '-p', '-c', all, String(process.pid)], { stdio: 'ignore' })
  }
}

/** CPU time (user + system, ms, 10 ms steps) a process has used so far; Linux only (0 elsewhere). */
export function cpuMsOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(f[11]) + Number(f[12])) * 10
  } catch {
    return 0
  }
}

export interface BenchAgent {
  url: string
  proc: ChildProcess
  dataDir: string
  stop(): Promise<void>
  kill(): Promise<void>
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`timed out: ${what}`)
}

/**
 * Starts an agent. `production: true` keeps the default membership timings (only ports and addresses
 * are made local), for measuring what users get; otherwise the fast `test` profile. `config` is
 * written to `<data-dir>/config.json` when not empty. `cpus` (a `taskset -c` list, Linux) pins the
 * agent and its runtime child to those cores, so agents on one box behave more like separate machines.
 */
export async function startBenchAgent(args: string[], env: Record<string, string> = {}, production = false, config: Record<string, unknown> = {}, cpus?: string): Promise<BenchAgent> {
  const dataDir = await mkdtemp(join(tmpdir(), 'llmlb-bench-'))
  if (Object.keys(config).length > 0) await writeFile(join(dataDir, 'config.json'), JSON.stringify(config))
  const profile = production ? ['--port', '0', '--mesh-port', '0', '--host', '127.0.0.1', '--no-mdns'] : ['--profile', 'test']
  // LLMLB_BENCH_CPU_PROF=<dir>: each agent writes a V8 CPU profile there when it stops (node forbids
  // --cpu-prof in NODE_OPTIONS); `node dist/scripts/bench/profile-top.js <file>` lists its top self times
  const prof = process.env.LLMLB_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.LLMLB_BENCH_CPU_PROF] : []
  const argv = [...prof, CLI, 'serve', ...profile, '--data-dir', dataDir, '--log-level', 'error', ...args]
  // taskset execs node in place: the pid, signals and exit are the agent's own
  const proc = spawn(cpus ? 'taskset' : process.execPath, cpus ? ['-c', cpus, process.execPath, ...argv] : argv, {
    env: { ...process.env, LLMLB_AUTH: 'off', ...env },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const port = await until(async () => {
    const l = JSON.parse(await readFile(join(dataDir, 'llmlb.lock'), 'utf8')) as { port: number }
    return l.port > 0 ? l.port : undefined
  }, 60_000, 'agent to listen').catch((err: unknown) => {
    // an agent that never listened is not left behind
    proc.kill('SIGKILL')
    throw err
  })
  const url = `http://127.0.0.1:${port}`
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  return {
    url,
    proc,
    dataDir,
    stop: async () => {
      proc.kill('SIGTERM')
      await exited
    },
    kill: async () => {
      proc.kill('SIGKILL')
      await exited
    }
  }
}

/**
 * Runs a bench script that prints `{"url": …}` once listening, in its own process; resolves with that
 * URL. Its stdin is a pipe from this process, so a script may exit when it ends (this process gone).
 */
export async function startListening(script: string, args: string[]): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
  const url = await new Promise<string>((res, rej) => {
    proc.stdout?.once('data', (d: Buffer) => res((JSON.parse(String(d).split('\n')[0] ?? '{}') as { url: string }).url))
    proc.once('exit', (code) => rej(new Error(`${script} exited with ${code}`)))
  })
  return { url, proc }
}

/** Polls `fn` every `everyMs` (default 20 ms) until it is true. */
export async function waitUntil(fn: () => Promise<boolean>, timeoutMs: number, what: string, everyMs?: number): Promise<void> {
  await until(async () => ((await fn()) ? true : undefined), timeoutMs, what, everyMs)
}

/** The loopback mesh multiaddr of an agent, for `--peer`. */
export async function meshAddressOf(a: BenchAgent): Promise<string> {
  const nodes = (await (await fetch(`${a.url}/api/nodes`)).json()) as { data: { self: boolean; addresses: string[] }[] }
  const addr = nodes.data.find((n) => n.self)?.addresses.find((x) => x.includes('/127.0.0.1/'))
  if (!addr) throw new Error('no mesh address')
  return addr
}

/** Names of the nodes an agent currently sees alive (itself included). */
export async function aliveNames(a: BenchAgent): Promise<string[]> {
  const nodes = (await (await fetch(`${a.url}/api/nodes`)).json()) as { data: { name: string; status: string; self: boolean }[] }
  return nodes.data.filter((n) => n.self || n.status === 'alive').map((n) => n.name)
}
