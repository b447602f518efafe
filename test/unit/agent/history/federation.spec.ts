import { describe, expect, it } from 'vitest'
import { fanOut, mergeHistoryPages, parseHistoryPage, type ClusterPeers } from '../../../../agent/src/history/federation.js'
import { makeRecord } from '../../../../scripts/bench/history-records.js'

describe('federation', () => {
  it('asks reachable peers, reports failures and down peers, never throws', async () => {
    const peers: ClusterPeers = {
      reachable: () => [
        { peerId: 'p2', name: 'n2' },
        { peerId: 'p3', name: 'n3' },
        { peerId: 'p4', name: 'n4' }
      ],
      down: () => [{ peerId: 'p5', name: 'n5' }],
      get: async (peerId) => {
        if (peerId === 'p3') throw new Error('peer unreachable')
        if (peerId === 'p4') return { status: 403, body: { error: { code: 'forbidden' } } }
        return { status: 200, body: { data: [{ ...makeRecord(1), ingressNode: 'n2' }], total: 1, total_exact: true } }
      }
    }
    const r = await fanOut(peers, '/api/history?scope=local', { requestId: 'r' }, parseHistoryPage)
    expect(r.answers.map((a) => a.node)).toEqual(['n2'])
    expect(r.failed.map((f) => f.node).sort()).toEqual(['n3', 'n4', 'n5'])
    expect(r.failed.find((f) => f.node === 'n4')?.error).toContain('403 forbidden')
  })

  it('rejects a peer answer that is not a history page', () => {
    expect(() => parseHistoryPage({ data: [{ id: 1 }] })).toThrow()
  })

  it('merges pages by time across nodes, then slices', () => {
    const a = [0, 2, 4, 6].map((i) => ({ ...makeRecord(i), ingressNode: 'a' })).reverse()
    const b = [1, 3, 5].map((i) => ({ ...makeRecord(i), ingressNode: 'b' })).reverse()
    const m = mergeHistoryPages([{ records: a, total: 40, totalExact: true }, { records: b, total: 3, totalExact: false }], 1, 3)
    expect(m.records.map((r) => r.id)).toEqual(['req-5', 'req-4', 'req-3'])
    expect(m.total).toBe(43)
    expect(m.totalExact).toBe(false)
  })
})
