import { describe, expect, it } from 'vitest'
import { openClusterExport, type RecordSource } from '../../../../agent/src/history/cluster-export.js'
import { makeRecord } from '../../../../scripts/bench/history-records.js'
import type { HistoryRecord } from '../../../../agent/src/history/history-record.js'

/** A node holding records `ids`, newest first, that counts its page requests. */
function node(name: string, ids: number[], failAt?: number): RecordSource & { calls: number } {
  const recs = ids.map((i) => ({ ...makeRecord(i), ingressNode: name })).sort((a, b) => b.ts - a.ts)
  const src = {
    name,
    calls: 0,
    page: async (offset: number, limit: number): Promise<HistoryRecord[]> => {
      src.calls++
      if (failAt !== undefined && offset >= failAt) throw new Error(`${name} went away`)
      return recs.slice(offset, offset + limit)
    }
  }
  return src
}

async function collect(g: AsyncGenerator<HistoryRecord>): Promise<string[]> {
  const out: string[] = []
  for await (const r of g) out.push(r.id)
  return out
}

describe('cluster export', () => {
  it('merges every node newest first, a page at a time', async () => {
    const a = node('a', [0, 3, 6, 9, 12])
    const b = node('b', [1, 4, 7, 10])
    const c = node('c', [2, 5, 8, 11])
    const e = await openClusterExport([a, b, c], { pageSize: 2 })
    expect(e.answered).toEqual(['a', 'b', 'c'])
    expect(await collect(e.records)).toEqual(Array.from({ length: 13 }, (_, i) => `req-${12 - i}`))
    expect(a.calls).toBe(3)
  })

  it('leaves out a node that fails at once, and ends one that fails later', async () => {
    const errors: string[] = []
    const e = await openClusterExport([node('a', [0, 2, 4, 6]), node('b', [1, 3], 0), node('c', [5, 7, 9, 11], 2)], { pageSize: 2, onError: (n) => errors.push(n) })
    expect(e.failed).toEqual([{ node: 'b', error: 'b went away' }])
    expect(await collect(e.records)).toEqual(['req-11', 'req-9', 'req-6', 'req-4', 'req-2', 'req-0'])
    expect(errors).toEqual(['c'])
  })
})
