/**
 * `npm run bench -- images`: what generating an image through the cluster costs over calling the image
 * engine itself. One mock image engine (OpenAI's images API, 4×4 PNGs, no model: the figures are
 * llmlb's own cost) in its own process, called side by side in interleaved rounds: directly, through a
 * llmlb node fronting it (`--engine`), through a second node (one mesh hop), and through that node
 * asking `response_format: url` then fetching the image from the URL (the ingress stores it). Latency
 * of sequential requests on one kept-alive connection (µs resolution); added p50/p99 over direct.
 */
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { Pool } from 'undici'
import { meshAddressOf, startBenchAgent, waitUntil, type BenchAgent } from './agent-proc.js'
import { startEngine } from './proxy-bench.js'
import { fmt, percentile, printTable } from './stats.js'

const MODEL = 'sd-turbo-bench'
const ROUNDS = 3
const SEQUENTIAL = 300
const WARMUP = 30

interface Target {
  name: string
  url: string
  format: 'b64_json' | 'url'
}

/** One generation (and, for `url`, the image fetched), timed; the bytes are checked to be a PNG. */
async function once(pool: Pool, images: Pool | undefined, format: Target['format']): Promise<number> {
  const t0 = process.hrtime.bigint()
  const res = await pool.request({ path: '/v1/images/generations', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, prompt: 'a lighthouse', response_format: format }) })
  const body = (await res.body.json()) as { data: { b64_json?: string; url?: string }[] }
  if (res.statusCode !== 200) throw new Error(`answered ${res.statusCode}: ${JSON.stringify(body).slice(0, 300)}`)
  let png: Buffer
  if (format === 'url') {
    const img = await (images as Pool).request({ path: new URL(body.data[0]?.url ?? '').pathname, method: 'GET' })
    png = Buffer.from(await img.body.arrayBuffer())
  } else png = Buffer.from(body.data[0]?.b64_json ?? '', 'base64')
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('the answer is not a PNG')
  return ms
}

async function sequential(t: Target): Promise<number[]> {
  const pool = new Pool(t.url, { connections: 1 })
  const images = t.format === 'url' ? new Pool(t.url, { connections: 1 }) : undefined
  const out: number[] = []
  try {
    for (let i = 0; i < SEQUENTIAL + WARMUP; i++) {
      const ms = await once(pool, images, t.format)
      if (i >= WARMUP) out.push(ms)
    }
  } finally {
    await pool.close()
    await images?.close()
  }
  return out
}

const hasModel = async (a: string): Promise<boolean> => ((await (await fetch(`${a}/v1/models`)).json()) as { data: { id: string }[] }).data.some((m) => m.id === MODEL)
const range = (v: number[]): string => (v.length ? `${fmt(Math.min(...v), 3)}–${fmt(Math.max(...v), 3)}` : 'n/a')

export async function imagesBench(): Promise<void> {
  const engine = await startEngine(['openai', '--image-model', MODEL])
  const agents: BenchAgent[] = []
  try {
    const key = randomBytes(32).toString('hex')
    const front = await startBenchAgent(['--engine', engine.url, '--cluster-key', key], {}, true)
    agents.push(front)
    await waitUntil(() => hasModel(front.url), 30_000, 'the fronting node to list the image model')
    const hop = await startBenchAgent(['--peer', await meshAddressOf(front), '--cluster-key', key], {}, true)
    agents.push(hop)
    await waitUntil(() => hasModel(hop.url), 30_000, 'the second node to list the image model')
    const targets: Target[] = [
      { name: 'direct (b64_json)', url: engine.url, format: 'b64_json' },
      { name: 'llmlb (b64_json)', url: front.url, format: 'b64_json' },
      { name: 'llmlb +1 hop (b64_json)', url: hop.url, format: 'b64_json' },
      { name: 'llmlb +1 hop (url, then GET)', url: hop.url, format: 'url' }
    ]
    const p50 = new Map<string, number[]>(targets.map((t) => [t.name, []]))
    const p99 = new Map<string, number[]>(targets.map((t) => [t.name, []]))
    const load0 = loadavg()[0] ?? 0
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        const lat = await sequential(t)
        p50.get(t.name)?.push(percentile(lat, 50))
        p99.get(t.name)?.push(percentile(lat, 99))
      }
    }
    const load1 = loadavg()[0] ?? 0
    const direct = targets[0]?.name ?? ''
    const added = (m: Map<string, number[]>, name: string): number[] => (m.get(name) ?? []).map((v, i) => v - (m.get(direct)?.[i] ?? NaN))
    printTable(
      `images: one generation at a time (${ROUNDS} rounds × ${SEQUENTIAL} requests, ranges over rounds, ms; load average ${fmt(load0, 1)} → ${fmt(load1, 1)})`,
      ['path', 'p50', 'p99', 'added p50', 'added p99'],
      targets.map((t) => [t.name, range(p50.get(t.name) ?? []), range(p99.get(t.name) ?? []), range(added(p50, t.name)), range(added(p99, t.name))])
    )
  } finally {
    await Promise.all(agents.map((a) => a.stop().catch(() => undefined)))
    engine.proc.kill('SIGTERM')
  }
}
