/**
 * The membership state machine, pure: no timers, no I/O, time passed in by the caller. Every method
 * returns the transitions it caused so the caller can emit events.
 *
 *            advert (new seq)                 age > suspectAfter            age > deadAfter
 *   (none) ─────────────────► alive ◄──────► suspect ───────────────────► dead ──► (removed after tombstone)
 *                               │   newer advert  ▲  last connection closed   ▲
 *                               │                 └─────────────────────────  │ closed + no advert within closeGrace
 *   alive / suspect / dead ── advert status 'leaving' ─► left ──► (removed after tombstone)
 *   dead / left + newer advert with status 'alive' ─► alive again ('join')
 *
 * Ordering is by the advert's `seq` only (memberlist orders by incarnation the same way): an advert
 * whose seq is not newer than the one held is ignored entirely and does not refresh `lastSeen`.
 * Heartbeats re-publish with seq+1, so only a live node can keep its entry fresh; a delayed or
 * replayed old advert cannot resurrect a dead peer.
 */
import type { PeerStatus } from '../interfaces.js'
import type { NodeState } from '../protocol/node-state.js'

/** Thresholds of the state machine (ms). */
export interface PeerTableTimings {
  suspectAfterMs: number
  deadAfterMs: number
  closeGraceMs: number
  tombstoneMs: number
}

/** What the table knows about one peer. Treat as read-only outside the table. */
export interface PeerRecord {
  peerId: string
  status: PeerStatus
  /** Newest advert (highest seq). */
  state: NodeState
  /** Local time the newest advert arrived (ms). */
  lastSeen: number
  /** Local time `status` last changed (ms); tombstones expire from here. */
  statusSince: number
  /** Local time the last connection to the peer closed, cleared by a newer advert (ms). */
  closedAt?: number
}

export type PeerTransitionType = 'join' | 'update' | 'suspect' | 'dead' | 'leave' | 'remove'

/**
 * join: first advert, or a newer advert from a dead/left peer. update: newer advert whose content
 * (ignoring seq) changed, or a suspect peer recovering. remove: tombstone expired, entry forgotten.
 */
export interface PeerTransition {
  type: PeerTransitionType
  peer: PeerRecord
}

export class PeerTable {
  private readonly timings: PeerTableTimings
  private readonly records = new Map<string, PeerRecord>()
  private lastTick?: number

  constructor(timings: PeerTableTimings) {
    this.timings = timings
  }

  /** Applies an advert received at `now`. Only a strictly newer seq has any effect. */
  apply(state: NodeState, now: number): PeerTransition[] {
    const existing = this.records.get(state.peerId)
    const leaving = state.status === 'leaving'
    if (existing === undefined) {
      const record: PeerRecord = { peerId: state.peerId, status: leaving ? 'left' : 'alive', state, lastSeen: now, statusSince: now }
      this.records.set(state.peerId, record)
      // A node first seen while leaving is recorded (so its tombstone shadows older adverts) but never joins.
      return leaving ? [] : [{ type: 'join', peer: record }]
    }
    if (state.seq <= existing.state.seq) return []

    const changed = !sameContent(existing.state, state)
    const previous = existing.status
    existing.state = state
    existing.lastSeen = now
    delete existing.closedAt

    if (leaving) {
      if (previous === 'left') return []
      return [this.setStatus(existing, 'left', now, 'leave')]
    }
    if (previous === 'dead' || previous === 'left') return [this.setStatus(existing, 'alive', now, 'join')]
    if (previous === 'suspect') return [this.setStatus(existing, 'alive', now, 'update')]
    return changed ? [{ type: 'update', peer: existing }] : []
  }

  /** The last connection to `peerId` closed: suspect at once, dead after the grace without a newer advert. */
  connectionClosed(peerId: string, now: number): PeerTransition[] {
    const record = this.records.get(peerId)
    if (record === undefined || (record.status !== 'alive' && record.status !== 'suspect')) return []
    record.closedAt ??= now
    return record.status === 'alive' ? [this.setStatus(record, 'suspect', now, 'suspect')] : []
  }

  /** Advances time: late heartbeats turn suspect then dead; expired tombstones are removed. */
  tick(now: number): PeerTransition[] {
    const out: PeerTransition[] = []
    const { suspectAfterMs, deadAfterMs, closeGraceMs, tombstoneMs } = this.timings
    this.forgivePause(now)
    for (const record of this.records.values()) {
      const age = now - record.lastSeen
      const closedFor = record.closedAt === undefined ? -1 : now - record.closedAt
      if (record.status === 'alive' || record.status === 'suspect') {
        if (age >= deadAfterMs || closedFor >= closeGraceMs) {
          out.push(this.setStatus(record, 'dead', now, 'dead'))
        } else if (record.status === 'alive' && age >= suspectAfterMs) {
          out.push(this.setStatus(record, 'suspect', now, 'suspect'))
        }
      } else if (now - record.statusSince >= tombstoneMs) {
        this.records.delete(record.peerId)
        out.push({ type: 'remove', peer: record })
      }
    }
    return out
  }

  /**
   * A tick far later than the last one means this process stalled (a starved CPU, a long GC, a
   * synchronous call): the adverts that arrived meanwhile wait unread in the sockets, and timers run
   * before I/O, so without this every peer would look silent and turn dead at once — the whole cluster
   * flapping because of this node. The stall beyond half the suspect bound is credited to every live
   * peer's timers; a peer still silent after that is judged as usual, and even a node that stalls
   * every tick lets a silent peer age by half the suspect bound per tick, so it is still found dead.
   */
  private forgivePause(now: number): void {
    const gap = this.lastTick === undefined ? 0 : now - this.lastTick
    this.lastTick = now
    const credit = gap - this.timings.suspectAfterMs / 2
    if (credit <= 0) return
    for (const r of this.records.values()) {
      if (r.status !== 'alive' && r.status !== 'suspect') continue
      r.lastSeen = Math.min(now, r.lastSeen + credit)
      if (r.closedAt !== undefined) r.closedAt = Math.min(now, r.closedAt + credit)
    }
  }

  get(peerId: string): PeerRecord | undefined {
    return this.records.get(peerId)
  }

  /** Forgets every peer (the mesh stopped). */
  clear(): void {
    this.records.clear()
  }

  /** All records, tombstones included. */
  list(): PeerRecord[] {
    return [...this.records.values()]
  }

  private setStatus(record: PeerRecord, status: PeerStatus, now: number, type: PeerTransitionType): PeerTransition {
    record.status = status
    record.statusSince = now
    return { type, peer: record }
  }
}

/** True when two adverts differ only in seq (a pure heartbeat), so no `update` is emitted for it. */
function sameContent(a: NodeState, b: NodeState): boolean {
  return JSON.stringify({ ...a, seq: 0 }) === JSON.stringify({ ...b, seq: 0 })
}
