/**
 * The shard manager's reading of gossip (no processes: nothing here coordinates): which models are to be
 * split (marks, and `--auto-shard` for stored models no budget fits), how peers' adverts become placement
 * nodes, and the cluster-wide view of split models from a peer's advert.
 */
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import type { PeerView } from '../../../../mesh/src/index.js'
import { BackendRegistry } from '../../../../agent/src/backends/index.js'
import type { ControlStore } from '../../../../agent/src/control-plane/index.js'
import { TEST_HEALTH } from '../../../../agent/src/engines/index.js'
import type { ModelRecord } from '../../../../agent/src/models/index.js'
import { Outbound } from '../../../../agent/src/net/index.js'
import { ShardManager, ShardMarks, type ShardManagerDeps } from '../../../../agent/src/sharding/index.js'

const GB = 1024 ** 3
const BUILD = { protocol: '6.0.0', bundle: 'abc', backend: 'cpu' }

/** The control store as the marks read it: entries under a prefix. */
function marksOf(values: Record<string, unknown>): ShardMarks {
  const store = { list: (prefix: string) => Object.entries(values).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => ({ k, v })), get: (k: string) => values[k], onChange: () => () => undefined } as unknown as ControlStore
  return new ShardMarks(store)
}

function peer(peerId: string, name: string, over: Partial<PeerView['state']> = {}): PeerView {
  return { peerId, status: 'alive', lastSeen: 0, addresses: [], state: { v: 1, seq: 1, name, peerId, version: '0', httpUrl: 'http://x', status: 'alive', startedAt: 0, models: [], cpu: { cores: 1, load1: 0 }, memory: { totalBytes: 1, freeBytes: 1 }, gpus: [], inFlight: 0, prefixes: {}, ...over } }
}

const advert = (id: string, extra: Record<string, unknown> = {}) => ({ id, capabilities: { chat: true, completion: true, embeddings: false, tools: false, vision: false }, loaded: false, contextLength: 512, quantization: 'F32', sizeBytes: 1, slotsTotal: 1, slotsBusy: 0, queueDepth: 0, tokensPerSecond: 0, avgServiceMs: 0, ...extra })

function manager(over: Partial<ShardManagerDeps> & { peers?: PeerView[]; stored?: Record<string, number> } = {}): ShardManager {
  const stored = over.stored ?? {}
  const record = (id: string): ModelRecord | undefined => (id in stored ? ({ id, sizeBytes: stored[id], kvBytesPerToken: 0 } as unknown as ModelRecord) : undefined)
  return new ShardManager({
    marks: marksOf({}),
    mesh: { peers: () => over.peers ?? [], peerId: () => 'self', addEventListener: () => undefined, removeEventListener: () => undefined },
    name: 'me',
    records: { record, ids: () => Object.keys(stored), budgetBytes: () => 8 * GB },
    registry: new BackendRegistry(),
    serving: { contextSize: 512, slots: 1 },
    autoShard: false,
    outbound: new Outbound({ allow: ['loopback'] }),
    health: TEST_HEALTH,
    logger: pino({ level: 'silent' }),
    ...over
  })
}

describe('ShardManager', () => {
  it('splits the marked models, and with --auto-shard the stored ones no alive node budget fits', () => {
    const peers = [peer('p1', 'a', { capacity: { memoryBudgetBytes: 16 * GB, memoryFreeBytes: 0, diskFreeBytes: 0 } })]
    const marks = marksOf({ 'shard/m1': { nodes: ['a'] }, 'shard/bad': { nodes: 'a' }, 'setting/x': 1 })
    const stored = { small: 4 * GB, huge: 20 * GB, mid: 12 * GB }
    expect([...manager({ marks, stored, peers }).wanted()]).toEqual([['m1', { mark: { nodes: ['a'] }, auto: false }]])
    const auto = manager({ marks, stored, peers, autoShard: true }).wanted()
    expect([...auto.keys()].sort()).toEqual(['huge', 'm1'])
    expect(auto.get('huge')).toEqual({ auto: true })
  })

  it('reads holders, coordinators, builds and workers from the adverts of alive peers', () => {
    const peers = [
      peer('p1', 'a', { models: [advert('m')], rpcBuild: BUILD }),
      peer('p2', 'b', { models: [advert('m', { loaded: true, engine: 'ollama' })], rpcWorker: { ...BUILD, freeBytes: GB, totalBytes: 2 * GB, state: 'up' } }),
      peer('p3', 'c', { models: [advert('m', { loaded: true, engine: 'llamacpp', sharded: { workers: [], state: 'placing' } })] }),
      { ...peer('p4', 'd', { models: [advert('m')] }), status: 'dead' as const }
    ]
    const nodes = manager({ peers, stored: { m: GB } }).nodes('m')
    expect(nodes.map((n) => [n.name, n.holds, n.coordinates, n.rpcBuild !== undefined, n.rpcWorker?.freeBytes])).toEqual([
      ['me', true, false, false, undefined],
      ['a', true, false, true, undefined],
      // another engine's model of the same name is not the file
      ['b', false, false, false, GB],
      ['c', true, true, false, undefined]
    ])
  })

  it('shows a split model coordinated by a peer from its advert, and an unplaced one when nobody can coordinate', async () => {
    const sharded = { workers: [{ name: 'b', peerId: 'p2', bytes: 5 }], state: 'loading' as const }
    const peers = [peer('p3', 'c', { models: [advert('m', { loaded: true, engine: 'llamacpp', sharded })] })]
    const m = manager({ peers, marks: marksOf({ 'shard/m': {}, 'shard/n': { workers: 2 } }) })
    expect(m.views()).toEqual([
      { id: 'm', mark: {}, auto: false, coordinator: { name: 'c', peerId: 'p3' }, state: 'loading', workers: sharded.workers },
      { id: 'n', mark: { workers: 2 }, auto: false, state: 'unplaced', workers: [], error: expect.stringContaining('no alive node holds the model file') }
    ])
    // without a leaser and binaries this node never coordinates
    m.reconcile()
    expect(m.coordinates('m')).toBe(false)
    // a peer serves 'm' split: this node would neither advertise nor load it whole
    expect([m.splitElsewhere('m'), m.splitElsewhere('n')]).toEqual([true, false])
    await m.stop()
  })
})
