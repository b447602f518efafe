/** Placement of split models: coordinator choice, worker sets and the memory estimate (pure). */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chooseCoordinator, chooseWorkers, COMPUTE_BUFFER_BYTES, eligibleWorkers, fitsNowhere, MEMORY_MARGIN, shardNeedBytes, type PlacementNode } from '../../../../agent/src/sharding/index.js'

const BUILD = { protocol: '6.0.0', bundle: 'abc', backend: 'cpu' }
const GB = 1024 ** 3

function node(peerId: string, over: Partial<PlacementNode> = {}): PlacementNode {
  return { peerId, name: `n-${peerId}`, alive: true, holds: false, coordinates: false, ...over }
}
const worker = (peerId: string, freeBytes: number, over: Partial<NonNullable<PlacementNode['rpcWorker']>> = {}): PlacementNode =>
  node(peerId, { rpcWorker: { ...BUILD, freeBytes, state: 'up', ...over } })

describe('memory need', () => {
  it('is weights + KV cache of every slot + compute buffers, with the margin', () => {
    const need = shardNeedBytes({ sizeBytes: 4 * GB, kvBytesPerToken: 128 * 1024 }, { contextSize: 4096, slots: 2 })
    expect(need).toBe(Math.ceil((4 * GB + 128 * 1024 * 4096 * 2 + COMPUTE_BUFFER_BYTES) * (1 + MEMORY_MARGIN)))
  })
})

describe('coordinator', () => {
  it('is the lowest peer id among alive holders with binaries, the same whatever the order', () => {
    const nodes = [node('c', { holds: true, rpcBuild: BUILD }), node('a', { holds: true }), node('b', { holds: true, rpcBuild: BUILD }), node('0', { rpcBuild: BUILD }), node('1', { holds: true, rpcBuild: BUILD, alive: false })]
    fc.assert(fc.property(fc.shuffledSubarray(nodes, { minLength: nodes.length, maxLength: nodes.length }), (order) => chooseCoordinator(order) === 'b'))
  })

  it('stays with a node that coordinates already, and is undefined without any able holder', () => {
    expect(chooseCoordinator([node('a', { holds: true, rpcBuild: BUILD }), node('z', { holds: true, rpcBuild: BUILD, coordinates: true })])).toBe('z')
    expect(chooseCoordinator([node('a', { holds: true }), node('b', { rpcBuild: BUILD })])).toBeUndefined()
  })
})

describe('workers', () => {
  it('only up, same-version workers that are free or leased by the coordinator, other than it, within the mark', () => {
    const nodes = [
      worker('coord', 10 * GB),
      worker('ok', GB),
      worker('mine', GB, { leasedBy: 'coord' }),
      worker('taken', GB, { leasedBy: 'other' }),
      worker('down', GB, { state: 'down' }),
      worker('old', GB, { protocol: '5.0.0' }),
      worker('fork', GB, { bundle: 'def' }),
      node('none'),
      { ...worker('dead', GB), alive: false }
    ]
    expect(eligibleWorkers(nodes, 'coord', BUILD).map((n) => n.peerId)).toEqual(['ok', 'mine'])
    expect(eligibleWorkers(nodes, 'coord', BUILD, ['n-mine']).map((n) => n.peerId)).toEqual(['mine'])
    // held by the coordinator for another of its split models: one client per worker
    expect(eligibleWorkers(nodes, 'coord', BUILD, undefined, new Set(['mine'])).map((n) => n.peerId)).toEqual(['ok'])
  })

  it('picks the fewest workers that cover the need, most free memory first, shares proportional', () => {
    const plan = chooseWorkers([worker('a', 1 * GB), worker('b', 3 * GB), worker('c', 2 * GB)], 4 * GB)
    expect(plan).toEqual({ ok: true, workers: [{ peerId: 'b', name: 'n-b', bytes: Math.round((4 * GB * 3) / 5) }, { peerId: 'c', name: 'n-c', bytes: Math.round((4 * GB * 2) / 5) }] })
  })

  it('spreads over at least the workers the mark asks for, and says so when there are not that many', () => {
    const plan = chooseWorkers([worker('a', 4 * GB), worker('b', 2 * GB), worker('c', 2 * GB)], GB, 2)
    expect(plan.ok && plan.workers.map((w) => w.peerId)).toEqual(['a', 'b'])
    expect(chooseWorkers([worker('a', 4 * GB)], GB, 2)).toEqual({ ok: false, needBytes: GB, availableBytes: 4 * GB, eligible: 1, minWorkers: 2 })
  })

  it('among the sets of the fewest workers, takes the nearest: a far worker only when the near ones cannot cover', () => {
    const near = (id: string, free: number, rttMs: number) => ({ ...worker(id, free), rttMs })
    // 2 workers are needed either way; b and c are near and cover it, a has the most memory but is far
    const plan = chooseWorkers([near('a', 3 * GB, 40), near('b', 2 * GB, 0.4), near('c', 2 * GB, 0.6)], 4 * GB)
    expect(plan.ok && plan.workers.map((w) => w.peerId)).toEqual(['b', 'c'])
    // now the near ones together fall short: the far one must be one of the two, with the nearest
    const short = chooseWorkers([near('a', 3 * GB, 40), near('b', GB / 2, 0.4), near('c', 2 * GB, 0.6)], 4 * GB)
    expect(short.ok && short.workers.map((w) => w.peerId)).toEqual(['c', 'a'])
    // unmeasured workers come after measured ones
    const unmeasured = chooseWorkers([worker('u', 4 * GB), near('m', 4 * GB, 30)], GB)
    expect(unmeasured.ok && unmeasured.workers.map((w) => w.peerId)).toEqual(['m'])
  })

  it('round trips never change how many workers are taken, and the set still covers the need', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 64 }), fc.option(fc.double({ min: 0, max: 500, noNaN: true }), { nil: undefined })), { maxLength: 8 }), fc.integer({ min: 1, max: 200 }), (ws, need) => {
        const plain = chooseWorkers(ws.map(([f], i) => worker(`p${i}`, f)), need)
        const timed = chooseWorkers(ws.map(([f, rtt], i) => ({ ...worker(`p${i}`, f), ...(rtt === undefined ? {} : { rttMs: rtt }) })), need)
        if (!plain.ok || !timed.ok) return plain.ok === timed.ok
        const sum = timed.workers.reduce((t, w) => t + (ws[Number(w.peerId.slice(1))]?.[0] ?? 0), 0)
        return timed.workers.length === plain.workers.length && sum >= need
      })
    )
  })

  it('names the bytes needed and available when the free workers do not cover it', () => {
    expect(chooseWorkers([worker('a', GB), worker('b', GB)], 3 * GB)).toEqual({ ok: false, needBytes: 3 * GB, availableBytes: 2 * GB, eligible: 2 })
    expect(chooseWorkers([], GB)).toEqual({ ok: false, needBytes: GB, availableBytes: 0, eligible: 0 })
  })

  it('any plan covers the need with no worker to spare, and none is possible exactly when all free memory is short', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 64 }), { maxLength: 8 }), fc.integer({ min: 1, max: 200 }), (frees, need) => {
        const nodes = frees.map((f, i) => worker(`p${i}`, f))
        const plan = chooseWorkers(nodes, need)
        const total = frees.reduce((s, f) => s + f, 0)
        if (!plan.ok) return total < need && plan.availableBytes === total
        const got = plan.workers.map((w) => nodes.find((n) => n.peerId === w.peerId)?.rpcWorker?.freeBytes ?? 0)
        const sum = got.reduce((s, f) => s + f, 0)
        // covering, and the smallest share is needed (without it the rest fall short)
        return sum >= need && sum - Math.min(...got) < need && new Set(plan.workers.map((w) => w.peerId)).size === plan.workers.length
      })
    )
  })
})

describe('--auto-shard', () => {
  it('splits only when every known budget is short', () => {
    expect(fitsNowhere(10, [4, 9])).toBe(true)
    expect(fitsNowhere(10, [4, 10])).toBe(false)
    expect(fitsNowhere(10, [])).toBe(false)
  })
})
