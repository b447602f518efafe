/**
 * `npm run bench -- pull`: (1) download throughput of a pull (`POST /api/models/pull` → verified and
 * registered) against `curl` fetching the same file from the same local mock hub and CDN, side by
 * side; (2) a stored cold model → first token through the API (explicit `load` then a streamed
 * request) against node-llama-cpp loading the same file in-process and evaluating the same prompt.
 * Goals: throughput ≥ 0.9× curl (the median of the pairs' ratios); cold first token ≤ 1.2× in-process.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getLlama } from 'node-llama-cpp'
import { buildTinyGguf, writeTinyGguf } from '../../native-runtime/src/index.js'
import { startMockHub } from '../mock-hf-hub.js'
import { cpuMsOf, startBenchAgent, waitUntil, type BenchAgent } from './agent-proc.js'
import { fmt, median, printTable } from './stats.js'

const RUNS = 4
/**
 * Pairs (curl and a pull) per invocation; the figure is the median of their ratios. On a VM one side of
 * a pair now and then writes its 455 MB into guest memory the host has to fault in first: the kernel's
 * copy into the page cache (`copy_folio_from_iter_atomic`) then takes ~55 % of that side's samples
 * instead of ~5 %, and its CPU grows ~0.6 s for the same work. It hits curl and the pull alike (specs/
 * models.md), so each pair is printed and the median of the pairs is what the goal is held to. Ten
 * pairs, not six: in one invocation of eight over two sessions such faults hit the pull in three pairs of
 * six, and a median of six falls with three; of ten it needs five.
 */
const PAIRS = 10
const REPO = 'bench-org/Big-GGUF'
const FILE = 'Big-F32.gguf'
/**
 * Model shape of the downloaded file: ~440 MB of F32 tensors, still a valid GGUF the runtime loads.
 * Large enough that the pull's fixed costs (resolving the repo, the first connection, registering)
 * weigh as little as they do for a real multi-GB model.
 */
const BIG = { layers: 16, embd: 768, heads: 4, ff: 2048, seed: 5 }
const PROMPT = 'hello world, the mesh'

async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

/** Runs curl; resolves with its CPU time (ms, from the exit's resource usage where known). */
function runCurl(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    // bash's `time` reports the child's user and system seconds; TIMEFORMAT keeps just those
    const p = spawn('bash', ['-c', 'TIMEFORMAT="%U %S"; time curl "$@"', 'curl', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    p.stderr.on('data', (d) => (err += d))
    p.once('error', reject)
    p.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`curl failed (${code}): ${err}`))
      const [u, sy] = err.trim().split(/\s+/).slice(-2).map(Number)
      resolve(Number.isFinite(u) && Number.isFinite(sy) ? ((u as number) + (sy as number)) * 1000 : 0)
    })
  })
}

async function pullThroughput(): Promise<void> {
  const file = Buffer.from(buildTinyGguf(BIG))
  const hub = await startMockHub([{ repo: REPO, files: { [FILE]: file } }])
  const scratch = await mkdtemp(join(tmpdir(), 'llmlb-bench-curl-'))
  const rows: (string | number)[][] = []
  const ratios: number[] = []
  const mb = (v: number): string => fmt(v / 1e6, 1)
  const curlRun = async (run: number): Promise<{ mbps: number; cpuMs: number }> => {
    const t0 = performance.now()
    // async: the mock hub runs in this process and must keep serving
    const cpuMs = await runCurl(['-sSfL', '-o', join(scratch, `c${run}`), `${hub.endpoint}/${REPO}/resolve/main/${FILE}`])
    const mbps = file.length / ((performance.now() - t0) / 1000)
    return { mbps, cpuMs }
  }
  const llmlbRun = async (agent: BenchAgent): Promise<{ mbps: number; cpuMs: number }> => {
    // wall clock on both sides (same machine): the pull's own completion time, so how often this
    // side asks (every 250 ms, like the CLI) neither adds to it nor loads the agent
    const cpu0 = cpuMsOf(agent.proc.pid ?? 0)
    const t1 = Date.now()
    const p = await api(agent.url, 'POST', '/api/models/pull', { source: `${REPO}/${FILE}` })
    if (p.status !== 202) throw new Error(`pull refused: ${JSON.stringify(p.body)}`)
    let doneAt = 0
    await waitUntil(async () => {
      const pull = (await api(agent.url, 'GET', '/api/models')).body.pulls.find((x: { id: string }) => x.id === p.body.pull.id)
      if (pull?.state === 'failed') throw new Error(pull.error)
      if (pull?.state === 'done') doneAt = pull.updatedAt
      return pull?.state === 'done'
    }, 300_000, 'pull done', 250)
    return { mbps: file.length / ((doneAt - t1) / 1000), cpuMs: cpuMsOf(agent.proc.pid ?? 0) - cpu0 }
  }
  /**
   * One run: a fresh agent, then curl and a pull in the given order. The node runs before either side
   * starts, as it does on a box: its start-up is in neither measure. Both copies go only at the end: a
   * 455 MB file deleted just before one side made that side's page-cache writes cost up to 4× (this VM),
   * so neither side runs right after a deletion.
   */
  const pair = async (run: number, curlFirst: boolean): Promise<{ c: { mbps: number; cpuMs: number }; l: { mbps: number; cpuMs: number } }> => {
    const agent = await startBenchAgent([], { HF_ENDPOINT: hub.endpoint })
    try {
      const first = curlFirst ? await curlRun(run) : await llmlbRun(agent)
      const second = curlFirst ? await llmlbRun(agent) : await curlRun(run)
      return curlFirst ? { c: first, l: second } : { c: second, l: first }
    } finally {
      await agent.stop()
      await rm(join(scratch, `c${run}`), { force: true })
      await rm(agent.dataDir, { recursive: true, force: true })
    }
  }
  try {
    // one unmeasured pair first: the first pull of a bench process ran 10–30 % below the later ones
    // on either order (its page-cache writes cost up to 4× the later runs' on this VM), while the
    // runs after it were alike; a node that has been running is the case to measure
    await pair(-1, true)
    for (let run = 0; run < PAIRS; run++) {
      // the order alternates (curl first, then llmlb first): whichever runs second finds the memory
      // the first one freed, and on some machines (VMs) freshly touched memory costs far more
      const curlFirst = run % 2 === 0
      const { c, l } = await pair(run, curlFirst)
      ratios.push(l.mbps / c.mbps)
      rows.push([`${run + 1} (${curlFirst ? 'curl' : 'llmlb'} first)`, mb(c.mbps), mb(l.mbps), fmt(l.mbps / c.mbps), fmt(c.cpuMs / 1000, 2), fmt(l.cpuMs / 1000, 2)])
    }
  } finally {
    await hub.close()
    await rm(scratch, { recursive: true, force: true })
  }
  printTable(`pull: ${mb(file.length)} MB from a local mock hub (302 to its CDN); curl: redirect + write; llmlb: resolve (info + tree), redirect, write, SHA-256, header read, register`, ['run', 'curl MB/s', 'llmlb MB/s', 'ratio', 'curl CPU s', 'agent CPU s'], [
    ...rows,
    ['range', '', '', `${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}`, '', ''],
    ['median (the figure)', '', '', fmt(median(ratios)), '', '']
  ])
}

async function firstToken(url: string, model: string): Promise<number> {
  const res = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, prompt: PROMPT, max_tokens: 8, stream: true }) })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const dec = new TextDecoder()
  let buf = ''
  let at = 0
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    buf += dec.decode(r.value, { stream: true })
    if (!at && buf.includes('"text"')) at = performance.now()
  }
  return at
}

async function coldStart(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-bench-cold-'))
  const path = join(dir, 'cold.gguf')
  await writeTinyGguf(path, { ...BIG, name: 'cold' })
  const coldBytes = (await stat(path)).size
  const inProc: number[] = []
  const viaApi: number[] = []
  try {
    // the agent's runtime child has llama.cpp initialised before any load: so does this side
    const llama = await getLlama({ gpu: false, build: 'never' })
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now()
      const model = await llama.loadModel({ modelPath: path })
      const ctx = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1 })
      const seq = ctx.getSequence()
      for await (const tok of seq.evaluate(model.tokenize(PROMPT))) {
        void tok
        break
      }
      inProc.push(performance.now() - t0)
      await ctx.dispose()
      await model.dispose()
    }
    const agent = await startBenchAgent(['--model', path, '--slots', '1', '--ctx-size', '2048', '--threads', '1'])
    try {
      await waitUntil(async () => (await fetch(`${agent.url}/ready`)).status === 200, 60_000, 'model ready')
      for (let run = 0; run < RUNS; run++) {
        await api(agent.url, 'POST', '/api/models/cold/unload')
        const t0 = performance.now()
        const l = await api(agent.url, 'POST', '/api/models/cold/load')
        if (l.status !== 200) throw new Error(`load refused: ${JSON.stringify(l.body)}`)
        viaApi.push((await firstToken(agent.url, 'cold')) - t0)
      }
    } finally {
      await agent.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  printTable(`cold model → first token (${fmt(coldBytes / 1e6, 0)} MB F32 GGUF, page cache warm), median of ${RUNS}`, ['path', 'ms', 'ratio to in-process'], [
    ['node-llama-cpp in-process (getLlama done): load + context + first token', fmt(median(inProc), 0), '1.00'],
    ['llmlb: POST /api/models/:id/load, then a streamed request', fmt(median(viaApi), 0), fmt(median(viaApi) / median(inProc))]
  ])
}

/** The `pull` section. */
export async function pullBench(): Promise<void> {
  await pullThroughput()
  await coldStart()
}
