import { describe, expect, it } from 'vitest'
import { DEAD_AFTER_MS, DEFAULT_MESH_TIMINGS, HEARTBEAT_INTERVAL_MS, PEER_TABLE_TICK_MS, SUSPECT_AFTER_MS, TOMBSTONE_MS } from '../../../mesh/src/constants.js'
import { PeerTable, type PeerTransition } from '../../../mesh/src/peers/peer-table.js'
import type { NodeState } from '../../../mesh/src/protocol/node-state.js'

const timings = { suspectAfterMs: 1_000, deadAfterMs: 2_000, closeGraceMs: 500, tombstoneMs: 10_000 }

function advert(peerId: string, seq: number, overrides: Partial<NodeState> = {}): NodeState {
  return {
    v: 1, seq, peerId, name: peerId, version: '1', httpUrl: 'http://x', status: 'alive', startedAt: 0,
    models: [], cpu: { cores: 1, load1: 0 }, memory: { totalBytes: 1, freeBytes: 1 }, gpus: [], inFlight: 0, prefixes: {},
    ...overrides
  }
}

const types = (ts: PeerTransition[]): string[] => ts.map(t => `${t.type}:${t.peer.peerId}`)

describe('PeerTable', () => {
  it('joins on the first advert and moves alive → suspect → dead → removed by heartbeat age', () => {
    const table = new PeerTable(timings)
    expect(types(table.apply(advert('p', 1), 0))).toEqual(['join:p'])
    expect(table.get('p')?.status).toBe('alive')
    expect(table.tick(999)).toEqual([])
    expect(types(table.tick(1_000))).toEqual(['suspect:p'])
    expect(table.tick(1_500)).toEqual([])
    expect(types(table.tick(2_000))).toEqual(['dead:p'])
    expect(table.get('p')?.status).toBe('dead')
    expect(table.tick(2_000 + 9_999)).toEqual([])
    expect(types(table.tick(2_000 + 10_000))).toEqual(['remove:p'])
    expect(table.get('p')).toBeUndefined()
    expect(table.list()).toEqual([])
  })

  it('jumps straight to dead when a tick comes late', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 1), 0)
    expect(types(table.tick(5_000))).toEqual(['dead:p'])
  })

  it('heartbeats (newer seq, same content) keep a peer alive without update events', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 1), 0)
    for (let t = 500; t <= 10_000; t += 500) {
      expect(table.apply(advert('p', 1 + t), t)).toEqual([])
      expect(table.tick(t + 400)).toEqual([])
    }
    expect(table.get('p')).toMatchObject({ status: 'alive', lastSeen: 10_000 })
  })

  it('emits update when the content changes', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 1), 0)
    const ts = table.apply(advert('p', 2, { inFlight: 3 }), 10)
    expect(types(ts)).toEqual(['update:p'])
    expect(ts[0]?.peer.state.inFlight).toBe(3)
  })

  it('ignores stale and equal seq entirely, including lastSeen', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 10, { inFlight: 1 }), 0)
    expect(table.apply(advert('p', 10, { inFlight: 2 }), 500)).toEqual([])
    expect(table.apply(advert('p', 9, { inFlight: 3 }), 600)).toEqual([])
    expect(table.get('p')).toMatchObject({ lastSeen: 0, state: { inFlight: 1, seq: 10 } })
    // Old adverts replayed late cannot keep a silent peer alive.
    table.tick(2_000)
    expect(table.apply(advert('p', 5), 2_100)).toEqual([])
    expect(table.get('p')?.status).toBe('dead')
  })

  it('a suspect peer that sends a newer advert is alive again (update)', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 1), 0)
    table.tick(1_200)
    expect(table.get('p')?.status).toBe('suspect')
    expect(types(table.apply(advert('p', 2), 1_300))).toEqual(['update:p'])
    expect(table.get('p')?.status).toBe('alive')
  })

  it('a dead peer that sends a newer advert rejoins (join)', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 1), 0)
    table.tick(3_000)
    expect(table.get('p')?.status).toBe('dead')
    expect(types(table.apply(advert('p', 2), 3_100))).toEqual(['join:p'])
    expect(table.get('p')).toMatchObject({ status: 'alive', lastSeen: 3_100 })
  })

  it('status leaving → left (leave), stays left on further leaving heartbeats, never suspect/dead, removed after tombstone', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 1), 0)
    expect(types(table.apply(advert('p', 2, { status: 'leaving' }), 100))).toEqual(['leave:p'])
    expect(table.get('p')?.status).toBe('left')
    expect(table.apply(advert('p', 3, { status: 'leaving' }), 200)).toEqual([])
    expect(table.connectionClosed('p', 300)).toEqual([])
    expect(table.tick(5_000)).toEqual([])
    expect(table.get('p')?.status).toBe('left')
    expect(types(table.tick(100 + 10_000))).toEqual(['remove:p'])
  })

  it('a left peer that comes back alive with a newer seq rejoins', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 1), 0)
    table.apply(advert('p', 2, { status: 'leaving' }), 10)
    expect(types(table.apply(advert('p', 3), 20))).toEqual(['join:p'])
  })

  it('a node first seen while leaving is recorded as left without a join', () => {
    const table = new PeerTable(timings)
    expect(table.apply(advert('p', 5, { status: 'leaving' }), 0)).toEqual([])
    expect(table.get('p')?.status).toBe('left')
    expect(table.apply(advert('p', 4), 10)).toEqual([])
  })

  it('connection close → suspect at once, dead after the grace unless a newer advert arrives', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 1), 0)
    table.apply(advert('q', 1), 0)
    expect(types(table.connectionClosed('p', 100))).toEqual(['suspect:p'])
    expect(types(table.connectionClosed('q', 100))).toEqual(['suspect:q'])
    expect(table.connectionClosed('p', 150)).toEqual([])
    // q's heartbeat arrives (a benign reconnect): alive, and the close no longer counts.
    expect(types(table.apply(advert('q', 2), 300))).toEqual(['update:q'])
    expect(table.tick(599)).toEqual([])
    expect(types(table.tick(600))).toEqual(['dead:p'])
    expect(table.get('q')?.status).toBe('alive')
    expect(table.tick(1_200)).toEqual([])
  })

  it('ignores connection close for unknown or already dead peers', () => {
    const table = new PeerTable(timings)
    expect(table.connectionClosed('nobody', 0)).toEqual([])
    table.apply(advert('p', 1), 0)
    table.tick(5_000)
    expect(table.connectionClosed('p', 5_001)).toEqual([])
  })

  it('default timings: a silent death leaves routing within 2 s', () => {
    const table = new PeerTable(DEFAULT_MESH_TIMINGS)
    // Worst case: the node's last heartbeat arrived just before it died at t = 0, and ticks are
    // PEER_TABLE_TICK_MS apart.
    table.apply(advert('p', 1), 0)
    let deadAt: number | undefined
    for (let t = 0; t <= 5_000 && deadAt === undefined; t += PEER_TABLE_TICK_MS) {
      if (table.tick(t).some(x => x.type === 'dead')) deadAt = t
    }
    expect(deadAt).toBeDefined()
    expect(deadAt).toBeLessThan(2_000)
    // ...while a healthy peer that misses one heartbeat is not even suspect.
    expect(SUSPECT_AFTER_MS).toBeGreaterThanOrEqual(2 * HEARTBEAT_INTERVAL_MS)
    expect(DEAD_AFTER_MS).toBeLessThan(TOMBSTONE_MS)
  })

  it('clear() forgets everyone', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 1), 0)
    table.clear()
    expect(table.list()).toEqual([])
  })

  it('a stall of this node is not blamed on its peers: a peer heard just before it stays alive', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 1), 0)
    expect(table.tick(100)).toEqual([])
    // the event loop stalls 3 s (past the dead bound); the tick runs before the queued advert is read
    expect(table.tick(3_100)).toEqual([])
    expect(table.get('p')?.status).toBe('alive')
    expect(table.apply(advert('p', 2), 3_101)).toEqual([])
  })

  it('a node that stalls at every tick still finds a silent peer dead', () => {
    const table = new PeerTable(timings)
    table.apply(advert('p', 1), 0)
    let deadAt: number | undefined
    for (let t = 0; t <= 60_000 && deadAt === undefined; t += 1_500) {
      if (table.tick(t).some((x) => x.type === 'dead')) deadAt = t
    }
    expect(deadAt).toBeDefined()
  })
})
