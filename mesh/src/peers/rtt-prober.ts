/**
 * The round-trip time to each connected peer, measured with libp2p's ping protocol every
 * `intervalMs` and smoothed (EWMA). Routing adds it to the cost of sending a request there: a peer
 * behind a slow or lossy link (a Wi-Fi box, a congested switch port, retransmissions) is as costly as
 * its link makes it, which gossip cannot tell — a node's adverts describe its own speed, not the path
 * to it. Pings are sequential per round so a probe never competes with itself; a ping that fails or
 * times out counts as `timeoutMs` (a lossy link's lost pings are what makes it costly).
 */
import { RTT_PROBE_INTERVAL_MS, RTT_PROBE_TIMEOUT_MS } from '../constants.js'

/** EWMA weight of a new sample: a link that degrades shows within ~3 rounds. */
export const RTT_ALPHA = 0.4

export interface RttProberDeps {
  /** Pings one peer; resolves with the round trip (ms). */
  ping(peerId: string, signal: AbortSignal): Promise<number>
  /** The peers to probe now (connected and alive). */
  peers(): string[]
}

export interface RttProberOptions {
  intervalMs: number
  timeoutMs: number
}

/** Pure EWMA per peer. */
export class RttTable {
  private readonly rtt = new Map<string, number>()

  record(peerId: string, sampleMs: number): void {
    const prev = this.rtt.get(peerId)
    this.rtt.set(peerId, prev === undefined ? sampleMs : prev + RTT_ALPHA * (sampleMs - prev))
  }

  get(peerId: string): number | undefined {
    return this.rtt.get(peerId)
  }

  /** Forgets peers no longer probed (gone, dead): a returning peer starts from its first sample. */
  retain(peerIds: readonly string[]): void {
    const keep = new Set(peerIds)
    for (const id of this.rtt.keys()) if (!keep.has(id)) this.rtt.delete(id)
  }
}

export class RttProber {
  readonly table = new RttTable()
  private stopped?: AbortController

  constructor(private readonly deps: RttProberDeps, private readonly opts: RttProberOptions = { intervalMs: RTT_PROBE_INTERVAL_MS, timeoutMs: RTT_PROBE_TIMEOUT_MS }) {}

  start(): void {
    if (this.stopped) return
    const stop = new AbortController()
    this.stopped = stop
    void this.loop(stop.signal)
  }

  stop(): void {
    this.stopped?.abort()
    this.stopped = undefined
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.round(signal)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.opts.intervalMs)
        t.unref?.()
        signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
      })
    }
  }

  /** One probe of every peer (sequential), then peers no longer listed are forgotten. */
  async round(signal: AbortSignal): Promise<void> {
    const peers = this.deps.peers()
    for (const id of peers) {
      if (signal.aborted) return
      const timeout = AbortSignal.any([signal, AbortSignal.timeout(this.opts.timeoutMs)])
      try {
        this.table.record(id, await this.deps.ping(id, timeout))
      } catch {
        if (!signal.aborted) this.table.record(id, this.opts.timeoutMs)
      }
    }
    this.table.retain(peers)
  }
}
