/**
 * The round-trip time to each connected peer, measured with libp2p's ping protocol every
 * `intervalMs`, as the least of the last few samples. Routing adds it to the cost of sending a request there: a peer
 * behind a slow or lossy link (a Wi-Fi box, a congested switch port, retransmissions) is as costly as
 * its link makes it, which gossip cannot tell — a node's adverts describe its own speed, not the path
 * to it. Pings are sequential per round so a probe never competes with itself; a ping that fails or
 * times out counts as `timeoutMs`.
 *
 * Why the least sample: everything that disturbs a ping adds to it — the event-loop lag of either
 * node, a busy core, a lost frame's retransmission — and nothing makes one shorter than the path. On a
 * loaded 2-core box the median read 24–3000 ms for loopback peers during a burst (their pings waited
 * behind the burst's own work, or timed out), which priced every peer out and left the ingress serving
 * the whole burst alone; an average was worse. The least of the window is the path's own delay: a
 * slow link (Wi-Fi, the chaos lab's 100 ± 50 ms per frame) reads slow in every sample, so its least
 * does too, and a peer whose every ping failed reads the timeout. A link that turns slow shows once
 * the window holds no fast sample any more (RTT_WINDOW probes, ~10 s).
 */
import { RTT_PROBE_INTERVAL_MS, RTT_PROBE_TIMEOUT_MS } from '../constants.js'

/** Samples kept per peer: the round trip is the least of them, so a fast sample counts for RTT_WINDOW probes. */
export const RTT_WINDOW = 5

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

/** The least of each peer's last RTT_WINDOW samples. Pure. */
export class RttTable {
  private readonly samples = new Map<string, number[]>()

  record(peerId: string, sampleMs: number): void {
    const list = this.samples.get(peerId) ?? []
    list.push(sampleMs)
    if (list.length > RTT_WINDOW) list.shift()
    this.samples.set(peerId, list)
  }

  get(peerId: string): number | undefined {
    const list = this.samples.get(peerId)
    if (!list || list.length === 0) return undefined
    return Math.min(...list)
  }

  /** Forgets peers no longer probed (gone, dead): a returning peer starts from its first sample. */
  retain(peerIds: readonly string[]): void {
    const keep = new Set(peerIds)
    for (const id of this.samples.keys()) if (!keep.has(id)) this.samples.delete(id)
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
