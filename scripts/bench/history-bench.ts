/**
 * Issue "history" benchmark:
 * 1. history write throughput of the LMDB store (bulk, and append→commit latency at steady rates);
 * 2. the latency a request pays for history, through a real `llmlb serve` under concurrent load
 *    (the `llmlb_history_wait_seconds` histogram: finish the record, queue it, wait for its commit);
 * 3. page queries over 1M records (30 days) with filters — goal ≤ 20 ms.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeTinyGguf } from '../../native-runtime/src/index.js'
import { LmdbHistoryStore } from '../../agent/src/history/lmdb-history-store.js'
import type { HistoryFilter } from '../../agent/src/history/history-store.js'
import { makeRecord } from './history-records.js'
import { startBenchAgent, waitUntil } from './agent-proc.js'
import { fmt, median, percentile, printTable } from './stats.js'

const RECORDS = 1_000_000
/** 1M records one every 2.592 s: 30 days, ~1390 per hour. */
const STEP_MS = 2592
const BASE = Date.UTC(2025, 0, 1)
const QUERY_RUNS = 30

async function bulkFill(store: LmdbHistoryStore, n: number): Promise<number> {
  const t0 = performance.now()
  for (let i = 0; i < n; i += 1000) {
    const batch: Promise<void>[] = []
    for (let j = i; j < Math.min(n, i + 1000); j++) batch.push(store.append(makeRecord(j, BASE, STEP_MS)))
    await Promise.all(batch)
  }
  return (n * 1000) / (performance.now() - t0)
}

/** Appends at `rate` records/s for `seconds`, a few per millisecond tick; latency = append → commit. */
async function paced(store: LmdbHistoryStore, rate: number, seconds: number): Promise<{ achieved: number; lat: number[] }> {
  const lat: number[] = []
  const pending: Promise<void>[] = []
  const t0 = performance.now()
  let sent = 0
  let i = 0
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate)
    for (; sent < due; sent++) {
      const at = performance.now()
      pending.push(store.append({ ...makeRecord(i++), ts: Date.now() }).then(() => void lat.push(performance.now() - at)))
    }
    await new Promise((r) => setTimeout(r, 1))
  }
  await Promise.all(pending)
  return { achieved: (sent * 1000) / (performance.now() - t0), lat }
}

async function writeBench(dir: string): Promise<void> {
  const rows: (string | number)[][] = []
  for (const rate of [500, 2000, 8000]) {
    const s = new LmdbHistoryStore({ path: join(dir, `paced-${rate}`) })
    await s.start()
    const r = await paced(s, rate, 3)
    await s.stop()
    rows.push([`${rate}/s for 3 s`, fmt(r.achieved, 0), fmt(median(r.lat)), fmt(percentile(r.lat, 99)), fmt(Math.max(...r.lat))])
  }
  printTable('history: append → commit latency at steady rates (in-process LmdbHistoryStore)', ['load', 'records/s', 'p50 ms', 'p99 ms', 'max ms'], rows)
}

const scalar = (text: string, name: string): number => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? 0)

interface LoadResult {
  rps: number
  lat: number[]
  /** Mean time responses waited for their record (ms), from the agent's histogram. */
  waitMs: number
}

/** `n` chat requests from `concurrency` closed-loop clients; client-side latency of each. */
async function load(url: string, stream: boolean, n: number, concurrency: number): Promise<LoadResult> {
  const before = await (await fetch(`${url}/metrics`)).text()
  const lat: number[] = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++
        const t = performance.now()
        const r = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, stream })
        })
        await r.text()
        lat.push(performance.now() - t)
      }
    })
  )
  const rps = (n * 1000) / (performance.now() - t0)
  const after = await (await fetch(`${url}/metrics`)).text()
  const d = (name: string): number => scalar(after, name) - scalar(before, name)
  return { rps, lat, waitMs: (d('llmlb_history_wait_seconds_sum') / Math.max(1, d('llmlb_history_wait_seconds_count'))) * 1000 }
}

/** Rounds of the same load alternating between the two agents (this box is shared and noisy). */
const ROUNDS = 3

/** The same load against an agent with history on and one with it off (`history.enabled: false`). */
async function requestBench(dir: string): Promise<void> {
  const model = join(dir, 'bench.gguf')
  await writeTinyGguf(model, { layers: 2, embd: 64, ff: 128, ctx: 512, seed: 7 })
  const args = ['--model', model, '--slots', '4', '--ctx-size', '512', '--threads', '1']
  const on = await startBenchAgent(args, {}, false, { history: { enabled: true } })
  const off = await startBenchAgent(args, {}, false, { history: { enabled: false } })
  const results = new Map<string, LoadResult[]>()
  try {
    for (const a of [on, off]) {
      await waitUntil(async () => (await fetch(`${a.url}/ready`)).status === 200, 60_000, 'model ready')
      await load(a.url, false, 200, 8)
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, a] of [['on', on], ['off', off]] as const) {
        for (const [label, stream] of [['JSON', false], ['SSE', true]] as const) {
          const key = `${label}, history ${name}`
          results.set(key, [...(results.get(key) ?? []), await load(a.url, stream, 500, 8)])
        }
      }
    }
  } finally {
    await on.stop()
    await off.stop()
  }
  const rows = [...results].sort(([a], [b]) => a.localeCompare(b)).map(([key, rs]) => [
    key,
    fmt(median(rs.map((r) => r.rps)), 0),
    fmt(median(rs.map((r) => median(r.lat)))),
    fmt(median(rs.map((r) => percentile(r.lat, 99)))),
    key.endsWith('on') ? fmt(median(rs.map((r) => r.waitMs))) : '-'
  ])
  printTable(
    `history: latency a request pays (real agents, tiny model, 4 tokens, 8 closed-loop clients × 500 requests, median of ${ROUNDS} alternating rounds; wait = record finished → committed, before the last byte)`,
    ['load', 'req/s', 'client p50 ms', 'client p99 ms', 'history wait mean ms'],
    rows
  )
}

async function queryBench(dir: string): Promise<void> {
  const store = new LmdbHistoryStore({ path: join(dir, 'million') })
  await store.start()
  const rate = await bulkFill(store, RECORDS)
  printTable('history: bulk write throughput (in-process, 1000 appends per event turn)', ['records', 'records/s'], [[RECORDS, fmt(rate, 0)]])
  const mid = BASE + (RECORDS / 2) * STEP_MS
  const cases: [string, HistoryFilter, number][] = [
    ['page 1, no filter', {}, 0],
    ['page 1, model', { model: 'model-c' }, 0],
    ['page 1, node', { node: 'n2' }, 0],
    ['page 1, key', { key: 'key-3' }, 0],
    ['page 1, status=429', { status: 429 }, 0],
    ['page 1, status=error', { status: 'error' }, 0],
    ['page 1, 7-day window (unaligned)', { from: mid - 7 * 86_400_000 + 12_345, to: mid + 67_890 }, 0],
    ['page 1, model + 7-day window', { model: 'model-a', from: mid - 7 * 86_400_000 + 12_345, to: mid }, 0],
    ['page 1, model + status (combined)', { model: 'model-b', status: 200 }, 0],
    ['page 1, model + node + key (combined)', { model: 'model-d', node: 'n1', key: 'key-2' }, 0],
    ['page 2000 (offset 100k), model', { model: 'model-e' }, 100_000],
    ['last page, model', { model: 'model-e' }, RECORDS / 5 - 50],
    ['page 10000 (offset 500k), no filter', {}, 500_000],
    ['page 1, q=10.0.0.17 + model (text)', { q: '10.0.0.17', model: 'model-c' }, 0]
  ]
  const rows: (string | number)[][] = []
  for (const [label, filter, offset] of cases) {
    const t0 = performance.now()
    const first = store.query({ filter, offset, limit: 50 })
    const cold = performance.now() - t0
    const times: number[] = []
    for (let i = 0; i < QUERY_RUNS; i++) {
      const t = performance.now()
      store.query({ filter, offset, limit: 50 })
      times.push(performance.now() - t)
    }
    rows.push([label, first.total + (first.totalExact ? '' : ' (est.)'), first.records.length, fmt(cold), fmt(median(times)), fmt(percentile(times, 99)), median(times) <= 20 ? 'yes' : 'NO'])
  }
  await store.stop()
  printTable(`history: page queries (50 per page) over ${RECORDS} records, 30 days — goal ≤ 20 ms`, ['query', 'total', 'rows', 'first ms', 'median ms', 'p99 ms', '≤ 20 ms'], rows)
}

export async function historyBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-bench-history-'))
  try {
    await writeBench(dir)
    await requestBench(dir)
    await queryBench(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
