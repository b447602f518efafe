/**
 * Keeps direct connections to every live member (a full mesh: the cluster is a LAN of tens of boxes).
 * Adverts carry the publisher's multiaddrs, so a node learnt through relayed gossip is dialled directly;
 * a dropped connection to a live peer is redialled. Direct connections make adverts one hop, forwards
 * need no extra dial, and a closed connection is a prompt death signal for the peer table.
 *
 * Dials are throttled to one in flight per peer and one attempt per `retryIntervalMs`.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from '@libp2p/interface'
import type { Logger } from 'pino'

export class PeerConnector {
  private readonly node: Libp2p
  private readonly log: Logger
  private readonly retryIntervalMs: number
  private readonly dialTimeoutMs: number
  private readonly inFlight = new Set<string>()
  private readonly lastAttempt = new Map<string, number>()
  private stopped = false

  constructor(components: { node: Libp2p; logger: Logger }, init: { retryIntervalMs: number; dialTimeoutMs: number }) {
    this.node = components.node
    this.log = components.logger
    this.retryIntervalMs = init.retryIntervalMs
    this.dialTimeoutMs = init.dialTimeoutMs
  }

  stop(): void {
    this.stopped = true
  }

  isConnected(peerId: string): boolean {
    return this.node.getConnections().some(c => c.status === 'open' && c.remotePeer.toString() === peerId)
  }

  /** Remote addresses of the open connections to `peerId`. */
  addressesOf(peerId: string): string[] {
    return this.node.getConnections()
      .filter(c => c.status === 'open' && c.remotePeer.toString() === peerId)
      .map(c => c.remoteAddr.toString())
  }

  /** Dials `peerId` unless connected, already dialling, or tried within the retry interval. */
  ensureConnected(peerId: string, addrs: string[] | undefined, now = Date.now()): void {
    if (this.stopped || peerId === this.node.peerId.toString() || this.inFlight.has(peerId) || this.isConnected(peerId)) return
    const last = this.lastAttempt.get(peerId)
    if (last !== undefined && now - last < this.retryIntervalMs) return
    this.lastAttempt.set(peerId, now)
    this.inFlight.add(peerId)
    void this.dial(peerId, addrs ?? []).finally(() => this.inFlight.delete(peerId))
  }

  /** Forgets throttling state of a peer that left the table. */
  forget(peerId: string): void {
    this.lastAttempt.delete(peerId)
  }

  private async dial(peerId: string, addrs: string[]): Promise<void> {
    try {
      const id = peerIdFromString(peerId)
      const multiaddrs = parseAll(addrs)
      if (multiaddrs.length > 0) await this.node.peerStore.merge(id, { multiaddrs })
      await this.node.dial(id, { signal: AbortSignal.timeout(this.dialTimeoutMs) })
      this.log.debug({ peerId }, 'connected to peer')
    } catch (err) {
      if (!this.stopped) this.log.debug({ peerId, err: (err as Error).message }, 'dialling peer failed')
    }
  }
}

function parseAll(addrs: string[]): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const a of addrs) {
    try {
      out.push(multiaddr(a))
    } catch {
      // An advert with one bad address still lets us try the others.
    }
  }
  return out
}
