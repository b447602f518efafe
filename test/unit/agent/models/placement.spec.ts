/**
 * `--auto-pull`'s placement: the ranking of nodes (pure) and the placer's one-placement-per-model
 * bookkeeping against scripted pull operations.
 */
import fc from 'fast-check'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { AUTO_PULL_CHECK_MS, AUTO_PULL_SETTLED_MS, AutoPlacer, type PlacedPullState, type PullOps, type PullTarget } from '../../../../agent/src/models/auto-pull.js'
import { DISK_STEP_BYTES, rankForPlacement } from '../../../../agent/src/models/placement.js'
import { CatalogEntrySchema, type CatalogEntry } from '../../../../agent/src/models/catalog.js'

const GiB = 1 << 30
const n = (name: string, memGiB: number, diskGiB: number): PullTarget => ({ name, memoryFreeBytes: memGiB * GiB, diskFreeBytes: diskGiB * GiB })

describe('rankForPlacement', () => {
  it('puts the most free memory budget first, then the most free disk, then the name', () => {
    expect(rankForPlacement([n('a', 4, 100), n('b', 16, 10), n('c', 8, 500)]).map((c) => c.name)).toEqual(['b', 'c', 'a'])
    expect(rankForPlacement([n('a', 8, 100), n('b', 8, 300)]).map((c) => c.name)).toEqual(['b', 'a'])
    // free disk within one step is a tie (a shared disk moves with every write): the name decides
    const same = [{ ...n('z', 8, 100), diskFreeBytes: 100 * GiB + 5 }, n('m', 8, 100)]
    expect(rankForPlacement(same).map((c) => c.name)).toEqual(['m', 'z'])
  })

  it('puts nodes whose disk holds the model before those that do not', () => {
    expect(rankForPlacement([n('big-mem', 64, 1), n('small-mem', 8, 50)], 10 * GiB).map((c) => c.name)).toEqual(['small-mem', 'big-mem'])
  })

  it('is deterministic: any order of the same adverts ranks the same', () => {
    const cand = fc.record({ name: fc.string({ minLength: 1, maxLength: 4 }), memoryFreeBytes: fc.nat(64), diskFreeBytes: fc.nat(4).map((d) => d * DISK_STEP_BYTES) })
    fc.assert(
      fc.property(fc.uniqueArray(cand, { selector: (c) => c.name, minLength: 1, maxLength: 6 }), fc.nat(), (cands, seed) => {
        const shuffled = [...cands].sort((a, b) => ((a.name.charCodeAt(0) * 31 + seed) % 7) - ((b.name.charCodeAt(0) * 31 + seed) % 7))
        expect(rankForPlacement(shuffled).map((c) => c.name)).toEqual(rankForPlacement(cands).map((c) => c.name))
      })
    )
  })
})

const ENTRY: CatalogEntry = CatalogEntrySchema.parse({ id: 'tiny', repo: 'org/Tiny-GGUF' })

/** Pull operations that record what they were asked and answer as scripted. */
function scripted(cands: PullTarget[]) {
  const started: { node: string; source: string }[] = []
  let startResult: () => Promise<string> = async () => 'pull-1'
  let state: PlacedPullState | undefined = { state: 'downloading', percent: 40, error: null }
  let stateAsked = 0
  const ops: PullOps = {
    candidates: () => cands,
    start: async (t, source) => {
      started.push({ node: t.name, source })
      return startResult()
    },
    state: async () => {
      stateAsked++
      return state
    }
  }
  return {
    ops,
    started,
    stateAsked: () => stateAsked,
    setStart: (f: () => Promise<string>) => (startResult = f),
    setState: (s: PlacedPullState | undefined) => (state = s)
  }
}

const settle = () => new Promise((r) => setImmediate(r))

describe('AutoPlacer', () => {
  it('places once per model on the best node, reads its progress at most every check period', async () => {
    let t = 0
    const s = scripted([n('ingress', 1, 100), n('best', 32, 100), n('other', 8, 100)])
    const placer = new AutoPlacer(s.ops, pino({ level: 'silent' }), () => t)
    expect(placer.ensure(ENTRY)).toEqual({ node: 'best', percent: null })
    await settle()
    expect(placer.ensure(ENTRY).node).toBe('best')
    expect(s.started).toEqual([{ node: 'best', source: 'org/Tiny-GGUF:Q4_K_M' }])
    expect(s.stateAsked()).toBe(0)
    t += AUTO_PULL_CHECK_MS
    placer.ensure(ENTRY)
    await settle()
    expect(s.stateAsked()).toBe(1)
    expect(placer.ensure(ENTRY)).toEqual({ node: 'best', percent: 40 })
    expect(s.stateAsked()).toBe(1)
    // once the model is in the cluster's view the placement is over: a miss soon after (a node
    // briefly suspected) waits for it there, a miss much later places it again
    placer.settle(ENTRY.id)
    expect(placer.ensure(ENTRY)).toEqual({ node: 'best', percent: 100 })
    expect(s.started).toHaveLength(1)
    t += AUTO_PULL_SETTLED_MS
    placer.ensure(ENTRY)
    expect(s.started).toHaveLength(2)
  })

  it('a pull that fails, or that a node refuses, is placed again by the next request', async () => {
    let t = 0
    const s = scripted([n('only', 8, 100)])
    const placer = new AutoPlacer(s.ops, pino({ level: 'silent' }), () => t)
    s.setStart(async () => {
      throw new Error('node only refused the pull (507)')
    })
    placer.ensure(ENTRY)
    await settle()
    s.setStart(async () => 'pull-2')
    placer.ensure(ENTRY)
    await settle()
    expect(s.started).toHaveLength(2)
    s.setState({ state: 'failed', percent: 10, error: 'checksum_mismatch' })
    t += AUTO_PULL_CHECK_MS
    placer.ensure(ENTRY)
    await settle()
    placer.ensure(ENTRY)
    expect(s.started).toHaveLength(3)
  })
})
