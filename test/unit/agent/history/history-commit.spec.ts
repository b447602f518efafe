/**
 * How LmdbHistoryStore commits an append: alone (synchronously, on the calling thread) or close to
 * others (async puts batched by lmdb-js). Either way every record, its counters and its token
 * aggregates are there once `append` resolves, and survive closing and reopening the store.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { commitModeOf, LmdbHistoryStore, SYNC_GAP_MS, SYNC_MAX_BODY_CHARS } from '../../../../agent/src/history/lmdb-history-store.js'
import { makeRecord } from '../../../../scripts/bench/history-records.js'

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

/** A store whose commit-mode clock is stepped by the test. */
async function openStore(path?: string): Promise<{ store: LmdbHistoryStore; path: string; tick: (ms: number) => void }> {
  const p = path ?? join(await mkdtemp(join(tmpdir(), 'llmlb-history-commit-')), 'history')
  if (!path) dirs.push(join(p, '..'))
  let t = 0
  const store = new LmdbHistoryStore({ path: p, clock: () => t })
  await store.start()
  return { store, path: p, tick: (ms) => (t += ms) }
}

describe('history commit mode', () => {
  it('commits alone and small appends synchronously, the rest batched', () => {
    expect(commitModeOf({ inFlight: 0, sinceLastMs: SYNC_GAP_MS, bodyChars: 0 })).toBe('sync')
    expect(commitModeOf({ inFlight: 1, sinceLastMs: 1000, bodyChars: 0 })).toBe('batched')
    expect(commitModeOf({ inFlight: 0, sinceLastMs: SYNC_GAP_MS / 2, bodyChars: 0 })).toBe('batched')
    expect(commitModeOf({ inFlight: 0, sinceLastMs: 1000, bodyChars: SYNC_MAX_BODY_CHARS + 1 })).toBe('batched')
  })

  it('an append alone is readable as soon as append returns; a burst once its promises resolve; both survive a reopen', async () => {
    const { store, path, tick } = await openStore()
    tick(1000)
    const alone = makeRecord(1)
    const committed = store.append(alone, { request: '{"model":"m"}', response: '{"ok":true}', requestBytes: 13, responseBytes: 11, truncated: false })
    // committed by its synchronous transaction: visible before the promise is even awaited
    expect(store.get(alone.id)?.responseBody).toBe('{"ok":true}')
    await committed
    // a burst in one turn: after the first, each comes less than SYNC_GAP_MS after the one before
    const burst = Array.from({ length: 300 }, (_, i) => makeRecord(100 + i))
    const pending = burst.map((r) => store.append(r))
    await Promise.all(pending)
    for (const r of burst) expect(store.get(r.id)?.id).toBe(r.id)
    // alone again once the burst committed and time passed
    tick(1000)
    const late = makeRecord(1000)
    const lateCommit = store.append(late)
    expect(store.get(late.id)?.id).toBe(late.id)
    await lateCommit
    const total = store.query({ filter: {}, offset: 0, limit: 1 }).total
    const tokens = store.tokenStats().query({ by: 'month', group: 'none' })
    expect(total).toBe(302)
    expect(store.size()).toBe(302)
    await store.stop()

    const again = await openStore(path)
    try {
      expect(again.store.size()).toBe(302)
      expect(again.store.query({ filter: {}, offset: 0, limit: 1 }).total).toBe(302)
      expect(again.store.tokenStats().query({ by: 'month', group: 'none' })).toEqual(tokens)
      for (const r of [alone, ...burst, late]) expect(again.store.get(r.id)?.model).toBe(r.model)
    } finally {
      await again.store.stop()
    }
  })

  it('an append while retention deletes in the background is batched and lands', async () => {
    const { store, tick } = await openStore()
    try {
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(makeRecord(i))))
      tick(1000)
      const pruning = store.prune({ maxRecords: 10 })
      tick(1000)
      const r = makeRecord(500)
      await store.append(r)
      expect(await pruning).toBe(40)
      expect(store.get(r.id)?.id).toBe(r.id)
      expect(store.size()).toBe(11)
    } finally {
      await store.stop()
    }
  })
})
