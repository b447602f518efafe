/**
 * LmdbHistoryStore against a brute-force model: pagination and filters over 100k generated records
 * (page 1, last page, deep pages, each filter, combined filters, time windows), retention, reopening.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LmdbHistoryStore } from '../../../../agent/src/history/lmdb-history-store.js'
import type { HistoryFilter } from '../../../../agent/src/history/history-store.js'
import type { HistoryRecord } from '../../../../agent/src/history/history-record.js'
import { matchesText } from '../../../../agent/src/history/lmdb-history-query.js'
import { conditionsOf } from '../../../../agent/src/history/query-plan.js'
import { makeRecord } from '../../../../scripts/bench/history-records.js'

const N = 100_000
let dir: string
let store: LmdbHistoryStore
const all: HistoryRecord[] = []

async function fill(s: LmdbHistoryStore, from: number, to: number, base?: number): Promise<HistoryRecord[]> {
  const out: HistoryRecord[] = []
  for (let i = from; i < to; i += 5000) {
    const batch: Promise<void>[] = []
    for (let j = i; j < Math.min(to, i + 5000); j++) {
      const r = makeRecord(j, base)
      out.push(r)
      batch.push(s.append(r))
    }
    await Promise.all(batch)
  }
  return out
}

/** What a query must return, computed the slow way. */
function expected(filter: HistoryFilter): HistoryRecord[] {
  const q = filter.q?.toLowerCase()
  return all
    .filter(
      (r) =>
        (filter.model === undefined || r.model === filter.model) &&
        (filter.node === undefined || r.servedBy === filter.node) &&
        (filter.key === undefined || r.apiKeyId === filter.key) &&
        (filter.status === undefined || (typeof filter.status === 'number' ? r.status === filter.status : r.outcome === filter.status)) &&
        (filter.from === undefined || r.ts >= filter.from) &&
        (filter.to === undefined || r.ts <= filter.to) &&
        (q === undefined || matchesText(r, q))
    )
    .sort((a, b) => b.ts - a.ts)
}

const ids = (rs: HistoryRecord[]): string[] => rs.map((r) => r.id)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmlb-history-'))
  store = new LmdbHistoryStore({ path: join(dir, 'history') })
  await store.start()
  all.push(...(await fill(store, 0, N)))
}, 120_000)

afterAll(async () => {
  await store.stop()
  await rm(dir, { recursive: true, force: true })
})

const t0 = Date.UTC(2025, 0, 1)
const FILTERS: [string, HistoryFilter][] = [
  ['none', {}],
  ['model', { model: 'model-c' }],
  ['node', { node: 'n2' }],
  ['key', { key: 'key-3' }],
  ['status code', { status: 429 }],
  ['outcome', { status: 'error' }],
  ['aborted', { status: 'aborted' }],
  ['time window, not hour-aligned', { from: t0 + 1234567, to: t0 + 98765432 }],
  ['window inside one hour', { from: t0 + 3_700_000, to: t0 + 3_900_000 }],
  ['model + window', { model: 'model-a', from: t0 + 50_000_000 }],
  ['model + status', { model: 'model-b', status: 200 }],
  ['model + node + key', { model: 'model-d', node: 'n1', key: 'key-2' }],
  ['outcome + node + window', { status: 'success', node: 'n3', from: t0 + 10_000_000, to: t0 + 400_000_000 }],
  ['q', { q: 'REQ-4242' }],
  ['q + model', { q: '10.0.0.17', model: 'model-c' }],
  ['no match', { model: 'model-z' }]
]

describe('LmdbHistoryStore over 100k records', () => {
  it('has every record', () => {
    expect(store.size()).toBe(N)
    expect(store.get('req-31337')?.model).toBe(makeRecord(31337).model)
    expect(store.get('nope')).toBeUndefined()
  })

  for (const [name, filter] of FILTERS) {
    it(`filter ${name}: total, page 1, a deep page and the last page match a full scan`, () => {
      const want = expected(filter)
      const perPage = 50
      const p1 = store.query({ filter, offset: 0, limit: perPage })
      // up to two conditions: counted exactly from (pair) counters; more, or text: exact up to the scan budget
      const scanned = conditionsOf(filter).length > 2 || filter.q !== undefined
      if (!scanned) expect(p1.totalExact).toBe(true)
      if (p1.totalExact) expect(p1.total).toBe(want.length)
      else expect(Math.abs(p1.total - want.length) / want.length).toBeLessThan(0.15)
      expect(ids(p1.records)).toEqual(ids(want.slice(0, perPage)))
      const lastOffset = Math.max(0, Math.floor((want.length - 1) / perPage) * perPage)
      expect(ids(store.query({ filter, offset: lastOffset, limit: perPage }).records)).toEqual(ids(want.slice(lastOffset, lastOffset + perPage)))
      const mid = Math.floor(want.length / 2)
      expect(ids(store.query({ filter, offset: mid, limit: 7 }).records)).toEqual(ids(want.slice(mid, mid + 7)))
      expect(store.query({ filter, offset: want.length + 10, limit: perPage }).records).toEqual([])
    })
  }

  it('scan yields exactly the matches, newest first', () => {
    const filter: HistoryFilter = { model: 'model-e', status: 'error' }
    expect(ids([...store.scan(filter)])).toEqual(ids(expected(filter)))
  })

  it('extrapolates the total of a three-condition filter past the scan budget, and says so', async () => {
    const small = new LmdbHistoryStore({ path: join(dir, 'history'), countScanBudget: 1000 })
    await store.stop()
    await small.start()
    try {
      const filter: HistoryFilter = { model: 'model-a', status: 200, node: 'n1' }
      const p = small.query({ filter, offset: 0, limit: 20 })
      const want = expected(filter)
      expect(p.totalExact).toBe(false)
      expect(Math.abs(p.total - want.length) / want.length).toBeLessThan(0.1)
      expect(ids(p.records)).toEqual(ids(want.slice(0, 20)))
    } finally {
      await small.stop()
      await store.start()
    }
  })

  it('token aggregates count every record', () => {
    const res = store.tokenStats().query({ by: 'month', group: 'none' })
    expect(res.totals.requests).toBe(N)
    expect(res.totals.inputTokens).toBe(all.reduce((n, r) => n + r.inputTokens, 0))
    const byModel = store.tokenStats().query({ by: 'day', group: 'model', from: '2025-01-02', to: '2025-01-03' })
    const inWindow = all.filter((r) => r.ts >= Date.UTC(2025, 0, 2) && r.ts < Date.UTC(2025, 0, 4))
    expect(byModel.totals.outputTokens).toBe(inWindow.reduce((n, r) => n + r.outputTokens, 0))
    expect(new Set(byModel.data.map((d) => d.period))).toEqual(new Set(['2025-01-02', '2025-01-03']))
  })
})

describe('retention', () => {
  it('deletes by age and by count; counters follow, aggregates do not', async () => {
    const d = await mkdtemp(join(tmpdir(), 'llmlb-history-ret-'))
    const s = new LmdbHistoryStore({ path: d })
    await s.start()
    try {
      const recs = await fill(s, 0, 3000)
      const before = s.tokenStats().query({ by: 'day', group: 'model' })
      const cutoff = (recs[1000] as HistoryRecord).ts
      expect(await s.prune({ olderThan: cutoff })).toBe(1000)
      expect(s.size()).toBe(2000)
      expect(s.query({ filter: {}, offset: 0, limit: 1 }).total).toBe(2000)
      expect(s.query({ filter: { model: 'model-a' }, offset: 0, limit: 1 }).total).toBe(recs.slice(1000).filter((r) => r.model === 'model-a').length)
      expect(s.get('req-999')).toBeUndefined()
      expect(await s.prune({ maxRecords: 500 })).toBe(1500)
      const rest = s.query({ filter: {}, offset: 0, limit: 1000 })
      expect(rest.total).toBe(500)
      expect(rest.records.at(-1)?.id).toBe('req-2500')
      expect(s.tokenStats().query({ by: 'day', group: 'model' })).toEqual(before)
    } finally {
      await s.stop()
      await rm(d, { recursive: true, force: true })
    }
  })

  it('keeps everything across a reopen, counters included', async () => {
    const d = await mkdtemp(join(tmpdir(), 'llmlb-history-reopen-'))
    const s = new LmdbHistoryStore({ path: d })
    await s.start()
    await fill(s, 0, 500)
    await s.stop()
    const again = new LmdbHistoryStore({ path: d })
    await again.start()
    try {
      await fill(again, 500, 700)
      expect(again.size()).toBe(700)
      expect(again.query({ filter: { status: 'success' }, offset: 0, limit: 1 }).total).toBe(all.slice(0, 700).filter((r) => r.outcome === 'success').length)
      await again.compactCache()
      expect(again.query({ filter: { node: 'n1' }, offset: 0, limit: 1 }).total).toBe(all.slice(0, 700).filter((r) => r.servedBy === 'n1').length)
    } finally {
      await again.stop()
      await rm(d, { recursive: true, force: true })
    }
  })
})
