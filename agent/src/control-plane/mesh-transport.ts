/**
 * The replicator's transport over the llmlb mesh: deltas on the gossip topic CONTROL_TOPIC, and the
 * anti-entropy exchange as a POST to the peer's internal sync route through the forward protocol
 * (`askPeer`), which only mesh members can open (pnet) and which the route accepts only from the mesh.
 */
import { randomBytes } from 'node:crypto'
import type { Mesh, PeerView } from '../../../mesh/src/index.js'
import { askPeer } from '../node/peer-api.js'
import { CONTROL_TOPIC } from './entry.js'
import type { ReplicationTransport } from './replicator.js'

/** Internal route of the anti-entropy exchange (access: mesh only). */
export const CONTROL_SYNC_PATH = '/api/internal/control/sync'
/** Longest wait for a peer's sync answer (ms). */
export const SYNC_TIMEOUT_MS = 15_000

export function meshReplicationTransport(mesh: Mesh): ReplicationTransport {
  return {
    publish: (data) => mesh.publish(CONTROL_TOPIC, data),
    subscribe: (handler) => mesh.subscribe(CONTROL_TOPIC, handler),
    onPeerJoin: (handler) => {
      const listener = (evt: Event): void => handler((evt as CustomEvent<PeerView>).detail.peerId)
      mesh.addEventListener('peer:join', listener)
      return () => mesh.removeEventListener('peer:join', listener)
    },
    peers: () => mesh.peers().filter((p) => p.status === 'alive').map((p) => p.peerId),
    exchange: async (peerId, request) => {
      const requestId = `control-sync-${randomBytes(6).toString('hex')}`
      const res = await askPeer(mesh, peerId, { method: 'POST', path: CONTROL_SYNC_PATH, body: request, requestId }, { timeoutMs: SYNC_TIMEOUT_MS })
      if (res.status !== 200) throw new Error(`peer answered the sync request with HTTP ${res.status}`)
      return res.body
    }
  }
}
