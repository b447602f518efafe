/**
 * The tunnels of one mesh node: the service handlers, the open tunnels (reset when the mesh stops), and
 * the two ends of `/llmlb/tunnel/1.0.0` on a started libp2p node.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_TUNNEL_STREAMS, TUNNEL_HANDSHAKE_TIMEOUT_MS, TUNNEL_PROTOCOL } from '../constants.js'
import { TunnelError } from '../errors.js'
import { handshakeOpener, handshakeServer } from './open-tunnel.js'
import type { MeshTunnel, TunnelHandler } from '../interfaces.js'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'

export class TunnelHub {
  private readonly handlers = new Map<string, TunnelHandler>()
  private readonly open = new Set<MeshTunnel>()
  private log: Logger | undefined

  /** Installs the handler of `service` (replacing any); returns a remover. */
  handle(service: string, handler: TunnelHandler): () => void {
    this.handlers.set(service, handler)
    return () => {
      if (this.handlers.get(service) === handler) this.handlers.delete(service)
    }
  }

  /** Serves inbound tunnels on `node`; `refuseAll()` true (the node is leaving) refuses every service. */
  async listen(node: Libp2p, refuseAll: () => boolean, log: Logger): Promise<void> {
    this.log = log
    await node.handle(TUNNEL_PROTOCOL, (stream, connection) => {
      const from = connection.remotePeer.toString()
      void handshakeServer(stream, from, service => (refuseAll() ? undefined : this.handlers.get(service)), { timeoutMs: TUNNEL_HANDSHAKE_TIMEOUT_MS, log })
        .then(tunnel => { if (tunnel !== undefined) this.track(tunnel) })
    }, { maxInboundStreams: MAX_TUNNEL_STREAMS, maxOutboundStreams: MAX_TUNNEL_STREAMS })
  }

  /** Opens a tunnel to `service` on `peerId` within the handshake timeout (or the caller's signal). */
  async connect(node: Libp2p, peerId: string, service: string, callerSignal: AbortSignal | undefined, openTimeoutMs: number): Promise<MeshTunnel> {
    const timeout = AbortSignal.timeout(Math.max(openTimeoutMs, TUNNEL_HANDSHAKE_TIMEOUT_MS))
    const signal = callerSignal === undefined ? timeout : AbortSignal.any([callerSignal, timeout])
    let stream: Stream
    try {
      stream = await node.dialProtocol(peerIdFromString(peerId), TUNNEL_PROTOCOL, { signal })
    } catch (err) {
      const aborted = callerSignal?.aborted === true
      throw new TunnelError(aborted ? 'aborted' : 'peer_unreachable', aborted ? 'tunnel open aborted' : `peer ${peerId} unreachable: ${(err as Error).message}`, peerId, { cause: err })
    }
    return this.track(await handshakeOpener(stream, peerId, service, signal))
  }

  /** Resets every open tunnel (the mesh is stopping). */
  closeAll(): void {
    for (const t of this.open) t.destroy()
    this.open.clear()
  }

  private track(tunnel: MeshTunnel): MeshTunnel {
    this.open.add(tunnel)
    // a reset from the far end is routine (its process died): never an uncaught 'error' event
    tunnel.on('error', err => this.log?.debug({ err: err.message, peer: tunnel.peerId, service: tunnel.service }, 'tunnel reset'))
    tunnel.once('close', () => this.open.delete(tunnel))
    return tunnel
  }
}
