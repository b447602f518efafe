/**
 * `npm run bench -- shard`: a model split over RPC workers lent by other agents (`--rpc-worker`),
 * llama-server connected to them directly over TCP vs through the mesh tunnel (a lease's loopback
 * endpoint, `MeshWorkerLeaser`), against the same model unsplit. Per round the direct and tunnel runs
 * alternate which goes first; the tunnel cost is the paired ratio of decode speeds per round. Bytes
 * between nodes are counted on the tunnels. All processes share this box: a real LAN adds the link's
 * round trip to every RPC call (several per token), which loopback does not show.
 */
import { readFile, readdir, readlink } from 'node:fs/promises'
import { spawn, type ChildProcess } from 'node:child_process'
import type { Server } from 'node:net'
import { once } from 'node:events'
import { homedir, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { mkdtemp } from 'node:fs/promises'
import { pino } from 'pino'
import { generateClusterKey, Libp2pMesh } from '../../mesh/src/index.js'
import { tuneHeapForServing } from '../../agent/src/node/heap-tuning.js'
import { findRpcBinaries, MeshWorkerLeaser, type MeshLease, type RpcBinaries } from '../../agent/src/sharding/index.js'
import { writeTinyGguf } from '../../native-runtime/src/index.js'
import { cpuMsOf, meshAddressOf, startBenchAgent, waitUntil, type BenchAgent } from './agent-proc.js'
import { fmt, median, printTable } from './stats.js'
import { tunnelRttBench } from './tunnel-rtt.js'
import { freeLoopbackPort } from '../../agent/src/net/index.js'
import { spawnRelay, startRelay } from './tcp-relay.js'

const ROUNDS = Number(process.env.LLMLB_BENCH_SHARD_ROUNDS ?? 4)
const TOKENS = 64
const REQUESTS = 3
/**
 * The tunnel's cost is a fixed latency per RPC round trip (several per token), so its share depends on
 * how long a token takes: the small model (~5 ms a token here) is the worst case; the larger one
 * (~620 MB of F32, tens of ms a token on these cores) is nearer the models a cluster splits, whose
 * tokens take longer still. LLMLB_BENCH_SHARD_MODELS=small|large runs one of them.
 */
const ALL_MODELS = [
  { key: 'small', name: '8 layers, embd 512 (~100 MB)', shape: { layers: 8, embd: 512, heads: 8, ff: 1536, ctx: 1024 } },
  { key: 'large', name: '12 layers, embd 1024 (~620 MB)', shape: { layers: 12, embd: 1024, heads: 16, ff: 2816, ctx: 1024 } }
]
const MODELS = ALL_MODELS.filter((m) => (process.env.LLMLB_BENCH_SHARD_MODELS ?? 'small,large').split(',').includes(m.key))

interface Sample {
  tps: number
  prefillMs: number
  bytesPerToken: number
  /** CPU of the agents on the path (the lenders and this process, the coordinator's mesh) per generated token, ms. */
  agentCpuMsPerToken: number
}


/** Loopback port of the ggml-rpc-server an agent runs (its LLAMA_CACHE is in the agent's data dir). */
async function workerPort(a: BenchAgent): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    if (!(await readlink(`/proc/${entry}/exe`).catch(() => '')).endsWith('ggml-rpc-server')) continue
    if (!(await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '')).includes(`LLAMA_CACHE=${join(a.dataDir, 'rpc-tensor-cache')}`)) continue
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0')
    return Number(args[args.indexOf('-p') + 1])
  }
  throw new Error(`no worker process for ${a.dataDir}`)
}

/** Starts llama-server, runs REQUESTS greedy completions, stops it; the medians. `agentCpuMs`: the agents' CPU so far. */
async function measure(bins: RpcBinaries, model: string, rpc: string[], round: number, traffic: () => number, agentCpuMs: () => number): Promise<Sample> {
  const port = await freeLoopbackPort()
  // unsplit, the weights are read into memory (--no-mmap), as the workers hold theirs: on this
  // development VM a model computed from its mapped page cache slowed from ~28 to ~2 tok/s over a
  // few minutes for one file (user CPU, no I/O), which made the unsplit row meaningless
  const args = ['-m', model, '--host', '127.0.0.1', '--port', String(port), '-c', '512', '-t', '1', '--no-warmup', ...(rpc.length > 0 ? ['--rpc', rpc.join(','), '-ngl', '99'] : ['-ngl', '0', '--no-mmap'])]
  const proc = spawn(bins.server, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  proc.stderr?.on('data', d => { log = (log + String(d)).slice(-4000) })
  const exited = once(proc, 'exit')
  try {
    await waitUntil(async () => {
      if (proc.exitCode !== null) throw new Error(`llama-server exited: ${log}`)
      return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200
    }, 120_000, 'llama-server health', 100)
    const tps: number[] = []
    const prefill: number[] = []
    const bytes: number[] = []
    const cpu0 = agentCpuMs()
    let tokens = 0
    for (let i = 0; i < REQUESTS; i++) {
      const before = traffic()
      const r = await fetch(`http://127.0.0.1:${port}/completion`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `the mesh node ${round} ${i} model`, n_predict: TOKENS, temperature: 0, ignore_eos: true, cache_prompt: false })
      }).catch(async (err: unknown) => {
        // llama-server died under the request (an RPC connection lost): say why, from its own log
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))])
        throw new Error(`llama-server failed a completion (${(err as Error).message}); its log ends:\n${log.slice(-1500)}`)
      })
      const j = (await r.json()) as { timings: { predicted_per_second: number; prompt_ms: number; predicted_n: number } }
      tps.push(j.timings.predicted_per_second)
      prefill.push(j.timings.prompt_ms)
      bytes.push((traffic() - before) / Math.max(1, j.timings.predicted_n))
      tokens += j.timings.predicted_n
    }
    return { tps: median(tps), prefillMs: median(prefill), bytesPerToken: median(bytes), agentCpuMsPerToken: (agentCpuMs() - cpu0) / Math.max(1, tokens) }
  } finally {
    proc.kill('SIGKILL')
    await exited
  }
}

const range = (v: number[], d = 2): string => `${fmt(Math.min(...v), d)}–${fmt(Math.max(...v), d)} (median ${fmt(median(v), d)})`

export async function shardBench(): Promise<void> {
  // this process is the coordinator's agent: its heap as `llmlb serve` sets it
  tuneHeapForServing()
  await tunnelRttBench()
  const bins = await findRpcBinaries(process.env.LLMLB_RPC_CACHE ?? join(homedir(), '.cache', 'llmlb', 'rpc'))
  if (bins === undefined) {
    process.stdout.write('\n## shard\n\nskipped: no RPC binaries (run `llmlb rpc build --rpc-cache ~/.cache/llmlb/rpc`)\n')
    return
  }
  const load0 = loadavg()[0] ?? NaN
  const key = generateClusterKey()
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-shard-bench-'))
  const workers: BenchAgent[] = []
  const logger = pino({ level: 'warn' })
  let mesh: Libp2pMesh | undefined
  const leases: MeshLease[] = []
  const relayProcs: ChildProcess[] = []
  const relayServers: Server[] = []
  try {
    for (let i = 0; i < 3; i++) {
      // warnings shown: a worker that exits (and is restarted) or a lease that ends says so beside the figures
      workers.push(await startBenchAgent(['--name', `lender-${i}`, '--cluster-key', key, '--rpc-worker', '--log-level', 'warn', ...(i > 0 ? ['--peer', await meshAddressOf(workers[0] as BenchAgent)] : [])], { LLMLB_RPC_CACHE: dirname(bins.dir) }, true, { sharding: { workerThreads: 1 } }))
    }
    mesh = new Libp2pMesh({ logger }, { name: 'bench-coordinator', listenHost: '127.0.0.1', port: 0, clusterKey: key, peers: [await meshAddressOf(workers[0] as BenchAgent)] })
    await mesh.start()
    const m = mesh
    const ids: string[] = []
    for (const w of workers) {
      const self = ((await (await fetch(`${w.url}/api/nodes`)).json()) as { data: { self: boolean; peer_id: string }[] }).data.find(n => n.self)?.peer_id ?? ''
      await waitUntil(async () => m.peers().some(p => p.peerId === self && p.state.rpcWorker?.state === 'up'), 60_000, 'worker up')
      ids.push(self)
    }
    // the models first: generating the large one keeps this event loop busy for seconds, and leases
    // held meanwhile would miss their renewals and expire
    const files = new Map<string, string>()
    for (const spec of MODELS) {
      const file = join(dir, `shard-bench-${spec.key}.gguf`)
      await writeTinyGguf(file, { ...spec.shape, readable: true, seed: 3 })
      files.set(spec.key, file)
    }
    const leaser = new MeshWorkerLeaser({ mesh, logger })
    for (const id of ids) leases.push(await leaser.acquire(id, { model: 'bench', bytes: 1 }))
    const direct = await Promise.all(workers.map(w => workerPort(w)))
    // the floor of any tunnel: the same two process hops as plain TCP relays (tcp-relay.ts)
    const far = await Promise.all(direct.map(p => spawnRelay(p)))
    relayProcs.push(...far.map(r => r.proc))
    const near = await Promise.all(far.map(r => startRelay(r.port)))
    relayServers.push(...near.map(r => r.server))
    const relays = near.map(r => r.port)
    // the lenders' agents (not their workers) and this process: what the tunnel costs in CPU beside the compute
    const agentCpuMs = (): number => {
      const own = process.cpuUsage()
      return workers.reduce((s, w) => s + cpuMsOf(w.proc.pid ?? 0), 0) + (own.user + own.system) / 1000
    }
    for (const spec of MODELS) {
      const model = files.get(spec.key) as string
      const rows: (string | number)[][] = []
      const whole: number[] = []
      for (let r = 0; r < ROUNDS; r++) whole.push((await measure(bins, model, [], r, () => 0, agentCpuMs)).tps)
      rows.push(['unsplit (local CPU)', range(whole), '', '', '', '', ''])
      for (const n of [2, 3]) {
        const d: Sample[] = []
        const t: Sample[] = []
        const f: Sample[] = []
        const traffic = (): number => leases.slice(0, n).reduce((s, l) => s + l.stats().bytesToWorker + l.stats().bytesFromWorker, 0)
        const runs = [
          async (r: number): Promise<void> => { d.push(await measure(bins, model, direct.slice(0, n).map(p => `127.0.0.1:${p}`), r, () => 0, agentCpuMs)) },
          async (r: number): Promise<void> => { t.push(await measure(bins, model, leases.slice(0, n).map(l => l.endpoint), r, traffic, agentCpuMs)) },
          async (r: number): Promise<void> => { f.push(await measure(bins, model, relays.slice(0, n).map(p => `127.0.0.1:${p}`), r, () => 0, agentCpuMs)) }
        ]
        // each round runs the three setups in another order, so none always runs first or after the same one
        for (let r = 0; r < ROUNDS; r++) for (let k = 0; k < runs.length; k++) await (runs[(r + k) % runs.length] as (r: number) => Promise<void>)(r)
        const paired = (a: Sample[], b: Sample[]): number[] => a.map((s, i) => s.tps / (b[i]?.tps ?? NaN))
        rows.push([`${n} workers, direct TCP`, range(d.map(s => s.tps)), range(d.map(s => s.prefillMs), 1), '', range(d.map(s => s.agentCpuMsPerToken)), '', ''])
        rows.push([`${n} workers, mesh tunnel`, range(t.map(s => s.tps)), range(t.map(s => s.prefillMs), 1), range(t.map(s => s.bytesPerToken / 1024), 1), range(t.map(s => s.agentCpuMsPerToken)), range(paired(t, d)), range(paired(t, f))])
        rows.push([`${n} workers, two plain TCP relays`, range(f.map(s => s.tps)), range(f.map(s => s.prefillMs), 1), '', range(f.map(s => s.agentCpuMsPerToken)), range(paired(f, d)), ''])
      }
      printTable(`shard — ${spec.name}, ${TOKENS} tokens greedy, ${ROUNDS} rounds alternating (load ${fmt(load0)} → ${fmt(loadavg()[0] ?? NaN)}, ${workers.length} worker agents on this box)`,
        ['setup', 'decode tok/s', 'prefill ms', 'KiB between nodes / token', "agents' CPU ms / token", '÷ direct tok/s (paired)', 'tunnel ÷ relays (paired)'], rows)
    }
  } finally {
    for (const r of relayServers) r.close()
    for (const p of relayProcs) p.kill('SIGTERM')
    for (const l of leases) await l.release().catch(() => undefined)
    await mesh?.stop({ leave: false })
    await Promise.all(workers.map(w => w.stop()))
  }
}
