/**
 * Keeps the configured bootstrap peers connected: dials every entry at start, then redials any that is
 * disconnected every `redialIntervalMs`. This is what lets a restarted node, or the cluster after a
 * bootstrap node restarts, rejoin without operator action.
 *
 * Used instead of @libp2p/bootstrap because entries may be plain `host:port` (no peer id: the id is
 * learnt from the first successful dial) and because that module waits 1 s before its first dial and
 * never redials.
 */
import { parsePeerAddress, peerIdOf } from './peer-address.js'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Logger } from 'pino'

interface Entry {
  input: string
  addr: Multiaddr
  /** Peer id from the entry or from the last successful dial. */
  peerId?: string
  /** The entry is this node itself (same config on every box); never dialled again. */
  self: boolean
  dialing: boolean
}

export interface BootstrapDialerInit {
  peers: string[]
  redialIntervalMs: number
  /** Default TCP port for entries without one. */
  defaultPort?: number
}

export class BootstrapDialer {
  private readonly node: Libp2p
  private readonly log: Logger
  private readonly entries: Entry[]
  private readonly redialIntervalMs: number
  private timer?: NodeJS.Timeout

  /** Parses the entries at once, so a bad entry fails construction (and so `start()` of the mesh). */
  constructor(components: { node: Libp2p; logger: Logger }, init: BootstrapDialerInit) {
    this.node = components.node
    this.log = components.logger
    this.redialIntervalMs = init.redialIntervalMs
    this.entries = init.peers.map(input => {
      const addr = parsePeerAddress(input, init.defaultPort)
      return { input, addr, peerId: peerIdOf(addr), self: false, dialing: false }
    })
  }

  start(): void {
    if (this.entries.length === 0) return
    this.dialAll()
    this.timer = setInterval(() => this.dialAll(), this.redialIntervalMs)
    this.timer.unref?.()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private dialAll(): void {
    const self = this.node.peerId.toString()
    for (const entry of this.entries) {
      if (entry.self || entry.dialing || entry.peerId === self) continue
      if (entry.peerId !== undefined && this.isConnected(entry.peerId)) continue
      void this.dial(entry)
    }
  }

  private isConnected(peerId: string): boolean {
    return this.node.getConnections().some(c => c.remotePeer.toString() === peerId && c.status === 'open')
  }

  private async dial(entry: Entry): Promise<void> {
    entry.dialing = true
    try {
      const connection = await this.node.dial(entry.addr, { signal: AbortSignal.timeout(Math.max(this.redialIntervalMs, 1_000)) })
      const peerId = connection.remotePeer.toString()
      if (entry.peerId !== peerId) this.log.debug({ peer: entry.input, peerId }, 'bootstrap peer connected')
      entry.peerId = peerId
    } catch (err) {
      if ((err as Error).name === 'InvalidPeerIdError' && /dial self/i.test((err as Error).message)) {
        entry.self = true
        this.log.debug({ peer: entry.input }, 'bootstrap entry is this node, skipped')
      } else {
        this.log.debug({ peer: entry.input, err: (err as Error).message }, 'bootstrap dial failed, will retry')
      }
    } finally {
      entry.dialing = false
    }
  }
}
