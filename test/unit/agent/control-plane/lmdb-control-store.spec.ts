import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, tempStore } from './helpers.js'

afterEach(cleanup)

describe('LmdbControlStore', () => {
  it('persists entries, tombstones and its node id across a reopen', async () => {
    const s = await tempStore()
    const dir = (s as unknown as { root: { path: string } }).root.path
    await s.set('user/a', { n: 1 })
    await s.set('apikey/1', { n: 2 })
    await s.delete('apikey/1')
    const id = s.nodeId
    const digest = s.digest()
    await s.close()
    const again = await tempStore(dir)
    expect(again.nodeId).toBe(id)
    expect(again.get('user/a')).toEqual({ n: 1 })
    expect(again.entry('apikey/1')?.v).toBeNull()
    expect(again.digest()).toEqual(digest)
  })

  it('never issues a timestamp below one it issued before a restart, even if the clock went back', async () => {
    const t = { now: 10_000 }
    const s = await tempStore(undefined, () => t.now)
    const dir = (s as unknown as { root: { path: string } }).root.path
    const before = await s.set('setting/x', 1)
    await s.close()
    t.now = 5_000
    const again = await tempStore(dir, () => t.now)
    const after = await again.set('setting/x', 2)
    expect(after.h.w).toBeGreaterThanOrEqual(before.h.w)
    expect(again.get('setting/x')).toBe(2)
  })

  it('reports local writes and merged entries to listeners with their origin; merges persist', async () => {
    const a = await tempStore()
    const b = await tempStore()
    const seen: string[] = []
    b.onChange((entries, origin) => seen.push(`${origin}:${entries.map((e) => e.k).join(',')}`))
    const e = await a.set('user/x', { x: 1 })
    expect(b.merge([e])).toHaveLength(1)
    expect(b.merge([e])).toHaveLength(0)
    await b.set('user/y', { y: 1 })
    expect(seen).toEqual(['remote:user/x', 'local:user/y'])
  })

  it('skips entries from a clock too far ahead instead of throwing', async () => {
    const s = await tempStore(undefined, () => 1_000)
    expect(s.merge([{ k: 'user/z', h: { w: 10_000_000, c: 0, n: 'far' }, v: { z: 1 } }])).toEqual([])
    expect(s.get('user/z')).toBeUndefined()
  })

  it('setDefault loses to real writes and to older defaults', async () => {
    const s = await tempStore()
    expect(await s.setDefault('apikey/initial', { who: 'newer' }, 2_000)).toBeDefined()
    expect(await s.setDefault('apikey/initial', { who: 'even-newer' }, 3_000)).toBeUndefined()
    const other = await tempStore()
    const older = await other.setDefault('apikey/initial', { who: 'older' }, 1_000)
    expect(older).toBeDefined()
    s.merge([older!])
    expect(s.get('apikey/initial')).toEqual({ who: 'older' })
    await s.delete('apikey/initial')
    expect(await s.setDefault('apikey/initial', { who: 'again' }, 0)).toBeUndefined()
  })
})
