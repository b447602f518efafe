/**
 * Keeps the local control store in step with the mesh:
 *
 * - every local write is gossiped at once as a delta on CONTROL_TOPIC (signed, size-bounded); peers
 *   merge it (LWW), so a change reaches every connected member in one gossip hop;
 * - when a peer joins (a node that was new, restarted or partitioned), the two run an anti-entropy
 *   exchange: digests are compared per bucket, the responder returns its entries in the differing
 *   buckets, and the caller pushes its own back — so both catch up in two round trips whatever they
 *   missed, deletions (tombstones) included;
 * - a periodic exchange with one random peer repairs any gossip lost in between.
 *
 * Only mesh members take part: gossip and the sync exchange travel inside the pnet-protected mesh.
 */
import type { Logger } from 'pino'
import { InvalidRequestError } from '../errors/errors.js'
import { CONTROL_WIRE_VERSION, DeltaMessageSchema, MAX_DELTA_ENTRIES, SyncRequestSchema, SyncResponseSchema, type ControlEntry, type SyncResponse } from './entry.js'
import type { ClusterClock } from './cluster-clock.js'
import type { ControlStore } from './control-store.js'

/** Interval of the background anti-entropy exchange with one random peer (ms). */
export const ANTI_ENTROPY_INTERVAL_MS = 30_000
/** Attempts of the exchange started when a peer joins. */
export const JOIN_SYNC_ATTEMPTS = 4
/** Pause before retry n of a join exchange is n times this (ms). */
export const JOIN_SYNC_RETRY_MS = 250
/** Largest encoded gossip delta before it is split (bytes; under MAX_TOPIC_MESSAGE_BYTES). */
export const MAX_DELTA_BYTES = 60 * 1024

/** What the replicator needs from the mesh (see `mesh-transport.ts`; tests use an in-memory one). */
export interface ReplicationTransport {
  /** Gossips one encoded delta to every member. */
  publish(data: Uint8Array): Promise<void>
  /** Receives peers' deltas; returns the unsubscribe. */
  subscribe(handler: (data: Uint8Array, from: string) => void): () => void
  /** Calls `handler(peerId)` whenever a peer joins the mesh; returns the unsubscribe. */
  onPeerJoin(handler: (peerId: string) => void): () => void
  /** Alive peers now. */
  peers(): string[]
  /** Runs one sync request against a peer's `handleSync` and returns its (unparsed) answer. */
  exchange(peerId: string, request: unknown): Promise<unknown>
}

export interface ControlReplicatorInit {
  /** @default ANTI_ENTROPY_INTERVAL_MS */
  antiEntropyIntervalMs?: number
  /** Fed each peer's clock from its sync answers (the store's and auth's corrected clock). */
  clock?: ClusterClock
}

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })

export class ControlReplicator {
  private readonly log: Logger
  private readonly unsubscribe: Array<() => void> = []
  private timer?: NodeJS.Timeout
  private synced = false
  private readonly syncWaiters = new Set<() => void>()
  /** Counters for logs and metrics. */
  readonly counters = { deltasOut: 0, deltasIn: 0, deltasDropped: 0, syncs: 0, syncFailures: 0, entriesMerged: 0 }

  constructor(
    private readonly store: ControlStore,
    private readonly transport: ReplicationTransport,
    logger: Logger,
    private readonly init: ControlReplicatorInit = {}
  ) {
    this.log = logger.child({ component: 'control-replicator' })
  }

  start(): void {
    this.unsubscribe.push(
      this.store.onChange((entries, origin) => {
        if (origin === 'local') void this.gossip(entries)
      }),
      this.transport.subscribe((data, from) => this.onDelta(data, from)),
      this.transport.onPeerJoin((peer) => void this.syncOnJoin(peer))
    )
    this.timer = setInterval(() => {
      const peers = this.transport.peers()
      const peer = peers[Math.floor(Math.random() * peers.length)]
      if (peer !== undefined) void this.syncWith(peer)
    }, this.init.antiEntropyIntervalMs ?? ANTI_ENTROPY_INTERVAL_MS)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    for (const u of this.unsubscribe.splice(0)) u()
    for (const w of this.syncWaiters) w()
    this.syncWaiters.clear()
  }

  /** Resolves true after the first successful exchange with any peer, false after `timeoutMs`. */
  whenSynced(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true)
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.syncWaiters.delete(done)
        resolve(this.synced)
      }
      const timer = setTimeout(done, timeoutMs)
      this.syncWaiters.add(done)
    })
  }

  /** A joining peer may not serve its API yet (it starts HTTP after the mesh): retry a few times. */
  private async syncOnJoin(peerId: string): Promise<void> {
    for (let attempt = 0; attempt < JOIN_SYNC_ATTEMPTS; attempt++) {
      if (this.unsubscribe.length === 0) return
      if (await this.syncWith(peerId)) return
      await new Promise((r) => setTimeout(r, JOIN_SYNC_RETRY_MS * (attempt + 1)).unref())
    }
  }

  /** Anti-entropy with one peer (pull their differing buckets, push ours). Never throws; false on failure. */
  async syncWith(peerId: string): Promise<boolean> {
    try {
      const clock = this.init.clock
      const sentAt = clock?.rawNow() ?? 0
      const raw = await this.transport.exchange(peerId, { v: CONTROL_WIRE_VERSION, digest: this.store.digest() })
      const res = SyncResponseSchema.safeParse(raw)
      if (!res.success) throw new Error(`malformed sync answer: ${res.error.issues[0]?.message ?? 'invalid'}`)
      if (clock && res.data.now !== undefined) {
        const before = clock.correctionMs
        clock.sample(peerId, res.data.now, sentAt, clock.rawNow())
        if (clock.correctionMs !== before) this.log.warn({ correctionMs: clock.correctionMs }, "this machine's clock disagrees with the cluster's majority: the control plane and key expiry use the corrected time")
      }
      const merged = this.store.merge(res.data.entries as ControlEntry[])
      this.counters.entriesMerged += merged.length
      if (res.data.buckets.length > 0) {
        const theirs = new Set(res.data.entries.map((e) => `${e.k} ${e.h.w}.${e.h.c}.${e.h.n}`))
        const mine = this.store.inBuckets(res.data.buckets).filter((e) => !theirs.has(`${e.k} ${e.h.w}.${e.h.c}.${e.h.n}`))
        if (mine.length > 0) await this.transport.exchange(peerId, { v: CONTROL_WIRE_VERSION, entries: mine })
      }
      this.counters.syncs++
      this.log.debug({ peer: peerId, merged: merged.length, buckets: res.data.buckets.length }, 'control anti-entropy done')
      this.markSynced()
      return true
    } catch (err) {
      this.counters.syncFailures++
      this.log.debug({ peer: peerId, err: (err as Error).message }, 'control anti-entropy failed')
      return false
    }
  }

  /**
   * Answers a peer's sync request: merges the entries it pushes, and returns ours in every bucket whose
   * hash differs from its digest (nothing when it sent no digest). Throws InvalidRequestError.
   */
  handleSync(raw: unknown): SyncResponse {
    const req = SyncRequestSchema.safeParse(raw)
    if (!req.success) throw new InvalidRequestError(`malformed sync request: ${req.error.issues[0]?.message ?? 'invalid'}`, null)
    if (req.data.entries !== undefined && req.data.entries.length > 0) {
      this.counters.entriesMerged += this.store.merge(req.data.entries as ControlEntry[]).length
    }
    const now = this.init.clock?.rawNow()
    if (req.data.digest === undefined) return { v: CONTROL_WIRE_VERSION, buckets: [], entries: [], now }
    const buckets = this.store.differingBuckets(req.data.digest)
    return { v: CONTROL_WIRE_VERSION, buckets, entries: this.store.inBuckets(buckets), now }
  }

  private markSynced(): void {
    if (this.synced) return
    this.synced = true
    for (const w of [...this.syncWaiters]) w()
  }

  private onDelta(data: Uint8Array, from: string): void {
    let json: unknown
    try {
      json = JSON.parse(dec.decode(data))
    } catch {
      json = undefined
    }
    const msg = DeltaMessageSchema.safeParse(json)
    if (!msg.success) {
      this.counters.deltasDropped++
      this.log.debug({ from, reason: msg.error.issues[0]?.message }, 'dropped control delta')
      return
    }
    this.counters.deltasIn++
    this.counters.entriesMerged += this.store.merge(msg.data.entries as ControlEntry[]).length
  }

  private async gossip(entries: readonly ControlEntry[]): Promise<void> {
    for (const batch of batches(entries)) {
      try {
        await this.transport.publish(enc.encode(JSON.stringify({ v: CONTROL_WIRE_VERSION, entries: batch })))
        this.counters.deltasOut++
      } catch (err) {
        // not fatal: the next anti-entropy exchange carries it
        this.log.debug({ err: (err as Error).message }, 'control delta not gossiped')
      }
    }
  }
}

/** Splits entries into deltas of at most MAX_DELTA_ENTRIES entries and MAX_DELTA_BYTES. */
export function batches(entries: readonly ControlEntry[]): ControlEntry[][] {
  const out: ControlEntry[][] = []
  let cur: ControlEntry[] = []
  let bytes = 0
  for (const e of entries) {
    const size = Buffer.byteLength(JSON.stringify(e)) + 1
    if (cur.length > 0 && (cur.length >= MAX_DELTA_ENTRIES || bytes + size > MAX_DELTA_BYTES)) {
      out.push(cur)
      cur = []
      bytes = 0
    }
    cur.push(e)
    bytes += size
  }
  if (cur.length > 0) out.push(cur)
  return out
}
