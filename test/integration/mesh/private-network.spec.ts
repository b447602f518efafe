/**
 * The cluster key (libp2p pnet): nodes with another key, or none, never connect, never appear in a
 * view, cannot forward; the cluster sees their attempts as `peer:rejected`. Also: gossip that is
 * invalid, oversized or speaks for another peer is dropped and counted.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { generateClusterKey, NODE_STATE_TOPIC, parseClusterKey, type PeerView } from '../../../mesh/src/index.js'
import { createMeshNode } from '../../../mesh/src/transport/create-node.js'
import { HandshakeWatch } from '../../../mesh/src/transport/handshake-watch.js'
import { hostPort, localState, nextEvent, startNode, stopAll, viewOf, waitFor, waitForFullMesh } from './helpers.js'

afterEach(stopAll)

const request = {
  method: 'POST',
  path: '/v1/chat/completions',
  headers: {},
  body: new Uint8Array(0),
  requestId: 'r',
  hops: 1
}

describe('private network', () => {
  it('keeps out nodes with another key or none, and reports their attempts', async () => {
    const key = generateClusterKey()
    const a = await startNode('a', { clusterKey: key })
    const rejected = nextEvent<{ address: string; reason: string; direction?: string }>(a, 'peer:rejected')
    // The same key given as bare hex (as --cluster-key takes it) is the same network.
    const b = await startNode('b', { clusterKey: parseClusterKey(key).hex, peers: [hostPort(a)] })
    const outsider = await startNode('x', { clusterKey: generateClusterKey(), peers: [hostPort(a), hostPort(b)] })
    const open = await startNode('o', { peers: [hostPort(a)] })
    await waitForFullMesh([a, b])

    const detail = await rejected
    expect(detail.address).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
    expect(detail.reason.length).toBeGreaterThan(0)
    // a dials nobody: whoever it rejects dialled in
    expect(detail.direction).toBe('inbound')
    await waitFor(() => (a.stats().handshakesRejected ?? 0) >= 2, 'both outsiders to be rejected by a')

    // Let several redial rounds and heartbeats pass: still nobody lets them in.
    await new Promise(resolve => setTimeout(resolve, 600))
    for (const insider of [a, b]) {
      expect(insider.peers().map(p => p.peerId).sort()).toEqual([a, b].filter(n => n !== insider).map(n => n.peerId()))
    }
    expect(outsider.peers()).toEqual([])
    expect(open.peers()).toEqual([])

    a.setForwardHandler(async () => ({ status: 200, headers: {}, body: (async function* () {})() }))
    await expect(outsider.forward(a.peerId(), request)).rejects.toMatchObject({ code: 'peer_unreachable' })
    await expect(open.forward(a.peerId(), request)).rejects.toMatchObject({ code: 'peer_unreachable' })
    expect((await b.forward(a.peerId(), request)).status).toBe(200)
  })

  it('drops and counts adverts that are invalid, oversized, or for another peer', async () => {
    const a = await startNode('a')
    // A raw gossiping node (same transport stack, no Libp2pMesh rules on what it publishes).
    const rogue = await createMeshNode({ listenHost: '127.0.0.1', port: 0, mdns: false, gossipHeartbeatMs: 100, watch: new HandshakeWatch(() => {}) })
    await rogue.start()
    try {
      rogue.services.pubsub.subscribe(NODE_STATE_TOPIC)
      await rogue.dial(multiaddr(a.listenAddresses()[0] ?? ''))
      await waitFor(() => rogue.services.pubsub.getSubscribers(NODE_STATE_TOPIC).length > 0, 'rogue to see a subscribed')

      const enc = new TextEncoder()
      const rogueId = rogue.peerId.toString()
      const bad = [
        enc.encode('not json'),
        enc.encode(JSON.stringify({ v: 2, hello: 'world' })),
        enc.encode(JSON.stringify({ ...localState('impostor'), seq: 1, peerId: a.peerId() })),
        enc.encode(JSON.stringify({ ...localState('huge', { name: 'x'.repeat(80_000) }), seq: 1, peerId: rogueId }))
      ]
      for (const data of bad) await rogue.services.pubsub.publish(NODE_STATE_TOPIC, data)
      await waitFor(() => a.stats().gossipDropped >= bad.length, 'a to drop all bad adverts')
      expect(a.stats().gossipDropped).toBe(bad.length)
      expect(viewOf(a, rogueId)).toBeUndefined()

      // A valid advert from the same node is accepted: the drops were about content.
      const joined = nextEvent<PeerView>(a, 'peer:join', p => p.peerId === rogueId)
      await rogue.services.pubsub.publish(NODE_STATE_TOPIC, enc.encode(JSON.stringify({ ...localState('rogue'), seq: 1, peerId: rogueId })))
      expect((await joined).state.name).toBe('rogue')
      expect(a.stats().gossipIn).toBeGreaterThanOrEqual(1)
    } finally {
      await rogue.stop()
    }
  })
})
