/**
 * Membership across real libp2p nodes in one process (127.0.0.1, port 0, test timings): joining through
 * bootstrap peers, state propagation, death detection, leave, and rejoin with a persistent identity.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_MESH_TIMINGS, RTT_PROBE_TIMEOUT_MS, type PeerView } from '../../../mesh/src/index.js'
import { hostPort, localState, nextEvent, startNode, stopAll, stopNode, viewOf, waitFor, waitForFullMesh } from './helpers.js'

/**
 * Detection time that only a broken failure detector exceeds, even on a loaded 2-core CI box. The goal
 * (dead within 2 s) is measured by `npm run bench -- mesh`, not here.
 */
const DETECTION_SANITY_MS = 15_000

let dir: string
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'llmlb-mesh-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })
afterEach(stopAll)

describe('mesh membership', () => {
  it('three nodes bootstrapping through node 1 all see each other with their state', async () => {
    const a = await startNode('a')
    const b = await startNode('b', { peers: [hostPort(a)] })
    const c = await startNode('c', { peers: [hostPort(a)] })
    await waitForFullMesh([a, b, c])

    expect(viewOf(b, c)?.state.name).toBe('c')
    expect(viewOf(c, b)?.state.httpUrl).toBe('http://127.0.0.1:1/b')
    expect(viewOf(b, a)?.addresses.length).toBeGreaterThan(0)
    for (const node of [a, b, c]) {
      expect(node.peers().map(p => p.peerId)).not.toContain(node.peerId())
      expect(node.peers()).toHaveLength(2)
    }
    // b and c learnt of each other through a's relay and then connected directly.
    await waitFor(() => (viewOf(b, c)?.addresses.length ?? 0) > 0, 'b connected to c directly')
  })

  it('measures the round trip to each connected peer (routing prices a forward with it)', async () => {
    const a = await startNode('a')
    const b = await startNode('b', { peers: [hostPort(a)] })
    await waitForFullMesh([a, b])
    // peers are probed every RTT_PROBE_INTERVAL_MS
    const rtt = await waitFor(() => viewOf(a, b)?.rttMs, "a's round trip to b")
    expect(Number.isFinite(rtt)).toBe(true)
    expect(rtt).toBeGreaterThanOrEqual(0)
    // loopback: far under the probe timeout, which is what a failed ping would record
    expect(rtt).toBeLessThan(RTT_PROBE_TIMEOUT_MS)
    await waitFor(() => viewOf(b, a)?.rttMs !== undefined, "b's round trip to a")
  })

  it('accepts a full multiaddr with /p2p/ as a bootstrap peer', async () => {
    const a = await startNode('a')
    const b = await startNode('b', { peers: [a.listenAddresses()[0] ?? ''] })
    await waitForFullMesh([a, b])
    expect(viewOf(b, a)?.state.name).toBe('a')
  })

  it('propagates state updates, emitting peer:update', async () => {
    const a = await startNode('a')
    const b = await startNode('b', { peers: [hostPort(a)] })
    const c = await startNode('c', { peers: [hostPort(a)] })
    await waitForFullMesh([a, b, c])

    const updated = nextEvent<PeerView>(c, 'peer:update', p => p.peerId === b.peerId() && p.state.inFlight === 7)
    b.setLocalState(localState('b', { inFlight: 7 }))
    const view = await updated
    expect(view.status).toBe('alive')
    await waitFor(() => viewOf(a, b)?.state.inFlight === 7, 'a to see the update')
  })

  it('a stopped (not gracefully left) node is dead in the others\' views', async () => {
    const a = await startNode('a')
    const b = await startNode('b', { peers: [hostPort(a)] })
    const c = await startNode('c', { peers: [hostPort(a)] })
    await waitForFullMesh([a, b, c])

    const deadAtA = nextEvent<PeerView>(a, 'peer:dead', p => p.peerId === c.peerId())
    const deadAtB = nextEvent<PeerView>(b, 'peer:dead', p => p.peerId === c.peerId())
    const stoppedAt = Date.now()
    const cId = c.peerId()
    await stopNode(c, { leave: false })
    await Promise.all([deadAtA, deadAtB])
    // the 2 s goal is measured by `npm run bench -- mesh`; on a loaded CI box only a gross miss fails here
    expect(Date.now() - stoppedAt).toBeLessThan(DETECTION_SANITY_MS)
    expect(viewOf(a, cId)?.status).toBe('dead')
    expect(viewOf(b, cId)?.status).toBe('dead')
    expect(viewOf(a, b)?.status).toBe('alive')
  })

  it('production timings: a crashed node is declared dead, and so is one that silently stops heartbeating', async () => {
    const prod = { ...DEFAULT_MESH_TIMINGS }
    const a = await startNode('a', prod)
    const b = await startNode('b', { ...prod, peers: [hostPort(a)] })
    const c = await startNode('c', { ...prod, peers: [hostPort(a)] })
    await waitForFullMesh([a, b, c], 60_000)

    // Crash: the connections close (as when the process dies), no leave is announced.
    let deadAtA = nextEvent<PeerView>(a, 'peer:dead', p => p.peerId === c.peerId())
    let since = Date.now()
    await stopNode(c, { leave: false })
    await deadAtA
    expect(Date.now() - since).toBeLessThan(DETECTION_SANITY_MS)

    // Hung node: connections stay open, adverts stop (only heartbeat age can tell). Reaches into the
    // broadcaster because no public API should be able to silence a live node.
    deadAtA = nextEvent<PeerView>(a, 'peer:dead', p => p.peerId === b.peerId())
    since = Date.now()
    ;(b as unknown as { broadcaster: { stop(): void } }).broadcaster.stop()
    await deadAtA
    expect(Date.now() - since).toBeLessThan(DETECTION_SANITY_MS)
    expect(viewOf(a, b)?.addresses.length).toBeGreaterThan(0)
  })

  it('a node that leave()s shows as left, before and after it stops', async () => {
    const a = await startNode('a')
    const b = await startNode('b', { peers: [hostPort(a)] })
    await waitForFullMesh([a, b])

    const left = nextEvent<PeerView>(a, 'peer:leave', p => p.peerId === b.peerId())
    await b.leave()
    expect((await left).status).toBe('left')
    // Heartbeats keep saying 'leaving'; the peer stays left and never turns suspect or dead.
    const bId = b.peerId()
    await stopNode(b)
    await new Promise(resolve => setTimeout(resolve, 1_000))
    expect(viewOf(a, bId)?.status).toBe('left')
  })

  it('stop() announces leave', async () => {
    const a = await startNode('a')
    const b = await startNode('b', { peers: [hostPort(a)] })
    await waitForFullMesh([a, b])
    const left = nextEvent<PeerView>(a, 'peer:leave', p => p.peerId === b.peerId())
    await stopNode(b)
    expect((await left).status).toBe('left')
  })

  it('a node restarted with the same identity file keeps its peer id and rejoins', async () => {
    const identityPath = join(dir, 'restart', 'peer.key')
    const a = await startNode('a')
    const b = await startNode('b', { peers: [hostPort(a)] })
    const c1 = await startNode('c', { peers: [hostPort(a)], identityPath })
    await waitForFullMesh([a, b, c1])
    const id = c1.peerId()
    const firstStart = viewOf(b, id)?.state.startedAt ?? 0

    await stopNode(c1, { leave: false })
    await waitFor(() => viewOf(b, id)?.status === 'dead', 'b to see c dead')

    const rejoined = nextEvent<PeerView>(b, 'peer:join', p => p.peerId === id)
    const c2 = await startNode('c', { peers: [hostPort(a)], identityPath })
    c2.setLocalState(localState('c', { startedAt: firstStart + 1 }))
    expect(c2.peerId()).toBe(id)
    expect((await rejoined).status).toBe('alive')
    await waitForFullMesh([a, b, c2])
  })

  it('start and stop are idempotent; a node can be started again', async () => {
    const a = await startNode('a')
    await Promise.all([a.start(), a.start()])
    const b = await startNode('b', { peers: [hostPort(a)] })
    await waitForFullMesh([a, b])
    await Promise.all([b.stop(), b.stop()])
    await b.stop()
    expect(b.listenAddresses()).toEqual([])
    await b.start()
    b.setLocalState(localState('b'))
    await waitForFullMesh([a, b])
    await stopNode(b)
  })

  it('a failed start rolls back and can be retried', async () => {
    const a = await startNode('a')
    const taken = Number(hostPort(a).split(':')[1])
    const { Libp2pMesh } = await import('../../../mesh/src/index.js')
    const { testLogger } = await import('./helpers.js')
    const clash = new Libp2pMesh({ logger: testLogger() }, { listenHost: '127.0.0.1', port: taken })
    await expect(clash.start()).rejects.toThrow()
    expect(clash.listenAddresses()).toEqual([])
    await clash.stop()
    const bad = new Libp2pMesh({ logger: testLogger() }, { listenHost: '127.0.0.1', port: 0, peers: ['not a host:xx'] })
    await expect(bad.start()).rejects.toThrow(/invalid/)
  })
})
