import { afterEach, describe, expect, it } from 'vitest'
import { ControlReplicator, batches, MAX_DELTA_BYTES } from '../../../../agent/src/control-plane/replicator.js'
import { MAX_DELTA_ENTRIES, type ControlEntry } from '../../../../agent/src/control-plane/entry.js'
import type { LmdbControlStore } from '../../../../agent/src/control-plane/lmdb-control-store.js'
import { ClusterClock } from '../../../../agent/src/control-plane/cluster-clock.js'
import { cleanup, MemoryMesh, silent, tempStore } from './helpers.js'

const replicators: ControlReplicator[] = []
afterEach(async () => {
  for (const r of replicators.splice(0)) r.stop()
  await cleanup()
})

async function cluster(n: number): Promise<{ mesh: MemoryMesh; stores: LmdbControlStore[]; reps: ControlReplicator[] }> {
  const mesh = new MemoryMesh()
  const stores: LmdbControlStore[] = []
  const reps: ControlReplicator[] = []
  for (let i = 0; i < n; i++) {
    const s = await tempStore()
    const r = new ControlReplicator(s, mesh.transport(`n${i}`), silent, { antiEntropyIntervalMs: 3_600_000 })
    mesh.register(`n${i}`, r)
    r.start()
    replicators.push(r)
    stores.push(s)
    reps.push(r)
  }
  return { mesh, stores, reps }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20))

describe('ControlReplicator', () => {
  it('gossips a local write to every member at once', async () => {
    const { stores } = await cluster(3)
    await stores[0]!.set('apikey/k1', { name: 'k1' })
    await settle()
    expect(stores[1]!.get('apikey/k1')).toEqual({ name: 'k1' })
    expect(stores[2]!.get('apikey/k1')).toEqual({ name: 'k1' })
    await stores[1]!.delete('apikey/k1')
    await settle()
    expect(stores[0]!.get('apikey/k1')).toBeUndefined()
    expect(stores[2]!.get('apikey/k1')).toBeUndefined()
  })

  it('a node that was down catches up through anti-entropy when it rejoins, and the others learn its writes', async () => {
    const { mesh, stores } = await cluster(3)
    await stores[0]!.set('user/a', { a: 1 })
    await settle()
    mesh.setUp('n2', false)
    await stores[0]!.set('apikey/new', { n: 1 })
    await stores[1]!.delete('user/a')
    await stores[2]!.set('setting/offline-write', 1)
    await settle()
    expect(stores[2]!.get('apikey/new')).toBeUndefined()
    mesh.setUp('n2', true)
    await settle()
    for (const s of stores) {
      expect(s.get('apikey/new')).toEqual({ n: 1 })
      expect(s.get('user/a')).toBeUndefined()
      expect(s.get('setting/offline-write')).toBe(1)
    }
    expect(stores[2]!.digest()).toEqual(stores[0]!.digest())
  })

  it('whenSynced resolves after the first successful exchange, or false at the timeout', async () => {
    const { reps, mesh } = await cluster(2)
    expect(await reps[0]!.whenSynced(30)).toBe(false)
    const waiting = reps[0]!.whenSynced(5_000)
    mesh.setUp('n1', true)
    expect(await waiting).toBe(true)
  })

  it('drops malformed deltas and refuses malformed sync requests', async () => {
    const { stores, reps } = await cluster(1)
    const r = reps[0]!
    ;(r as unknown as { onDelta: (d: Uint8Array, f: string) => void }).onDelta(new TextEncoder().encode('{"v":1,"entries":[{"k":"BAD KEY","h":{"w":1,"c":0,"n":"x"},"v":1}]}'), 'peer')
    ;(r as unknown as { onDelta: (d: Uint8Array, f: string) => void }).onDelta(new TextEncoder().encode('not json'), 'peer')
    expect(r.counters.deltasDropped).toBe(2)
    expect(stores[0]!.list('')).toEqual([])
    expect(() => r.handleSync({ v: 2 })).toThrow(/malformed sync request/)
    expect(r.handleSync({ v: 1 })).toEqual({ v: 1, buckets: [], entries: [] })
  })

  it('splits large deltas under the entry and byte bounds', () => {
    const big = 'x'.repeat(15_000)
    const entries: ControlEntry[] = Array.from({ length: 100 }, (_, i) => ({ k: `setting/${i}`, h: { w: 1, c: i, n: 'a' }, v: i < 10 ? big : i }))
    const out = batches(entries)
    expect(out.flat()).toHaveLength(100)
    for (const b of out) {
      expect(b.length).toBeLessThanOrEqual(MAX_DELTA_ENTRIES)
      expect(Buffer.byteLength(JSON.stringify({ v: 1, entries: b }))).toBeLessThanOrEqual(MAX_DELTA_BYTES + 100)
    }
  })

  it("samples peers' clocks from sync answers: a node 10 minutes ahead of two peers corrects itself, they do not", async () => {
    const mesh = new MemoryMesh()
    const skew = 10 * 60_000
    const clocks = [new ClusterClock(() => Date.now() + skew), new ClusterClock(), new ClusterClock()]
    const reps: ControlReplicator[] = []
    for (let i = 0; i < 3; i++) {
      const r = new ControlReplicator(await tempStore(), mesh.transport(`n${i}`), silent, { antiEntropyIntervalMs: 3_600_000, clock: clocks[i] })
      mesh.register(`n${i}`, r)
      r.start()
      replicators.push(r)
      reps.push(r)
    }
    expect(await reps[0]!.syncWith('n1')).toBe(true)
    expect(clocks[0]!.correctionMs).toBe(0) // one peer against one: no majority
    expect(await reps[0]!.syncWith('n2')).toBe(true)
    expect(Math.abs(clocks[0]!.correctionMs + skew)).toBeLessThan(5_000)
    expect(await reps[1]!.syncWith('n0')).toBe(true)
    expect(await reps[1]!.syncWith('n2')).toBe(true)
    expect(clocks[1]!.correctionMs).toBe(0)
  })
})
