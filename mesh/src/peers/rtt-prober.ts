/**
 * The round-trip time to each connected peer, measured with libp2p's ping protocol every
 * `intervalMs`. Routing adds it to the cost of sending a request there: a peer behind a slow or lossy
 * link (a Wi-Fi box, a congested switch port, retransmissions) is as costly as its link makes it,
 * which gossip cannot tell — a node's adverts describe its own speed, not the path to it. Pings are
 * sequential per round so a probe never competes with itself.
 *
 * The round trip is the median of the answered pings among the last RTT_WINDOW; a peer none of whose
 * last RTT_WINDOW pings was answered (failed, or not within `timeoutMs`) reads `timeoutMs`, and one
 * that has not answered yet, its window not full, reads unknown.
 * - Median, not average: one slow answer on a healthy link moves nothing (an average made a healthy
 *   holder read 436 ms for seconds in the lab).
 * - Unanswered pings are not samples of the path: on a loaded 2-core box (CI), a 24-request burst made
 *   the peers' pings time out behind the burst's own work; counted as 3 000 ms they priced every peer
 *   out and the ingress served the whole burst alone. A link slow in every answer (the chaos lab's
 *   100 ± 50 ms per frame) still reads slow, and one that answers nothing reads the timeout.
 * - Unknown until the window is full: a node that joins a loaded cluster may miss its first pings while
 *   it is still starting (its gossip arriving fine); read as the timeout, it was priced out of a
 *   burst that came before a later ping answered (5 of 57 stressed runs of the burst test). A link that
 *   answers nothing still reads the timeout after RTT_WINDOW rounds (~10 s).
 * - Not the least answer either: in the chaos lab it read 16 ms for a link that delays every frame by
 *   at least 50 ms (the median read 220), and the lossy box got 11 % of the requests.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { RTT_PROBE_INTERVAL_MS, RTT_PROBE_TIMEOUT_MS } from '../constants.js'

/** Pings kept per peer (answered or not). */
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

/** Each peer's round trip from its last RTT_WINDOW pings (an unanswered one is `undefined`). Pure. */
export class RttTable {
  private readonly samples = new Map<string, (number | undefined)[]>()

  /** `unansweredMs`: what a peer reads when none of its pings in the window was answered. */
  constructor(private readonly unansweredMs: number = RTT_PROBE_TIMEOUT_MS) {}

  /** Records one ping: its round trip, or undefined when it was not answered. */
  record(peerId: string, sampleMs: number | undefined): void {
    const list = this.samples.get(peerId) ?? []
    list.push(sampleMs)
    if (list.length > RTT_WINDOW) list.shift()
    this.samples.set(peerId, list)
  }

  get(peerId: string): number | undefined {
    const list = this.samples.get(peerId)
    if (!list || list.length === 0) return undefined
    const answered = list.filter((x): x is number => x !== undefined).sort((a, b) => a - b)
    if (answered.length === 0) return list.length < RTT_WINDOW ? undefined : this.unansweredMs
    const mid = answered.length >> 1
    return answered.length % 2 === 1 ? (answered[mid] as number) : ((answered[mid - 1] as number) + (answered[mid] as number)) / 2
  }

  /** Forgets peers no longer probed (gone, dead): a returning peer starts from its first sample. */
  retain(peerIds: readonly string[]): void {
    const keep = new Set(peerIds)
    for (const id of this.samples.keys()) if (!keep.has(id)) this.samples.delete(id)
  }
}

export class RttProber {
  readonly table: RttTable
  private stopped?: AbortController

  constructor(private readonly deps: RttProberDeps, private readonly opts: RttProberOptions = { intervalMs: RTT_PROBE_INTERVAL_MS, timeoutMs: RTT_PROBE_TIMEOUT_MS }) {
    this.table = new RttTable(opts.timeoutMs)
  }

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
      // node's timer drops its abort listener when it fires: a listener added per interval and kept
      // for the prober's life leaked one closure per interval (and node warned after eleven)
      await sleep(this.opts.intervalMs, undefined, { signal, ref: false }).catch(() => undefined)
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
        if (!signal.aborted) this.table.record(id, undefined)
      }
    }
    this.table.retain(peers)
  }
}
