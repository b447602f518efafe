/**
 * Publishes the local node state: coalesced on change, re-published as a heartbeat.
 *
 * One timer drives both (serf's coalescer with a quantum): a change marks the state dirty and moves the
 * next publication to `lastPublish + coalesceWindow` (or now, if the window has passed); otherwise the
 * next publication is the heartbeat at `lastPublish + heartbeatInterval`. So bursts of changes cost
 * one advert per window, and every advert doubles as a heartbeat.
 *
 * `seq` strictly increases for the life of the identity, across restarts: it is seeded with
 * `Date.now() * 1000` at construction, so a restarted node (same peer id) beats every advert of its
 * previous life unless that life published more than 1000 adverts per millisecond.
 */
import { NodeStateSchema, MAX_NODE_STATE_BYTES, type NodeState } from '../protocol/node-state.js'
import { encodeAdvert } from './advert-codec.js'
import type { Logger } from 'pino'

/** The part of the state the agent owns; the mesh fills seq, peerId and addrs. */
export type LocalNodeState = Omit<NodeState, 'seq' | 'peerId' | 'addrs'>

export interface StateBroadcasterComponents {
  /** Sends one encoded advert to the gossip topic. */
  publish(data: Uint8Array): Promise<void>
  logger: Logger
}

export interface StateBroadcasterInit {
  peerId: string
  /** @default HEARTBEAT_INTERVAL_MS */
  heartbeatIntervalMs: number
  /** @default COALESCE_WINDOW_MS */
  coalesceWindowMs: number
  /** @default MAX_NODE_STATE_BYTES */
  maxBytes?: number
  /** Mesh-owned fields added to every advert (e.g. `addrs`), read at publish time. */
  decorate?: () => Partial<NodeState>
  /** First seq minus one. @default Date.now() * 1000 */
  seqSeed?: number
}

export class StateBroadcaster {
  private readonly components: StateBroadcasterComponents
  private readonly init: StateBroadcasterInit
  private readonly log: Logger
  private seq: number
  private local?: LocalNodeState
  private lastPublished?: NodeState
  private lastPublishAt = Number.NEGATIVE_INFINITY
  private dirty = false
  private leaving = false
  private running = false
  private timer?: NodeJS.Timeout
  /** Adverts handed to `publish` (for `gossipOut`). */
  published = 0

  constructor(components: StateBroadcasterComponents, init: StateBroadcasterInit) {
    this.components = components
    this.init = init
    this.log = components.logger
    this.seq = init.seqSeed ?? Date.now() * 1000
  }

  start(): void {
    this.running = true
    this.schedule()
  }

  stop(): void {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /**
   * Replaces the local state. Validates at once (throws ZodError or RangeError on an invalid or
   * oversized state, which is a bug in the caller) and publishes within the coalesce window.
   */
  setLocalState(state: LocalNodeState): void {
    const candidate = this.build(state, this.seq + 1)
    NodeStateSchema.parse(candidate)
    encodeAdvert(candidate, this.init.maxBytes ?? MAX_NODE_STATE_BYTES)
    this.local = state
    this.markDirty()
  }

  /** Publishes the unchanged state soon (e.g. a new subscriber should learn it without waiting a heartbeat). */
  markDirty(): void {
    this.dirty = true
    this.schedule()
  }

  /** Switches to status 'leaving' for good and publishes it at once, bypassing the coalesce window. */
  async leave(): Promise<void> {
    this.leaving = true
    await this.publishNow()
  }

  /** The last advert published, if any. */
  current(): NodeState | undefined {
    return this.lastPublished
  }

  private build(local: LocalNodeState, seq: number): NodeState {
    const state: NodeState = { ...local, ...this.init.decorate?.(), seq, peerId: this.init.peerId }
    if (this.leaving) state.status = 'leaving'
    return state
  }

  private schedule(): void {
    if (!this.running || this.local === undefined) return
    clearTimeout(this.timer)
    const now = Date.now()
    const due = this.dirty
      ? Math.max(now, this.lastPublishAt + this.init.coalesceWindowMs)
      : this.lastPublishAt + this.init.heartbeatIntervalMs
    this.timer = setTimeout(() => { void this.publishNow() }, Math.max(0, due - now))
    // Heartbeats must not keep a process alive on their own.
    this.timer.unref?.()
  }

  private async publishNow(): Promise<void> {
    if (this.local === undefined) return
    const state = this.build(this.local, ++this.seq)
    this.lastPublishAt = Date.now()
    this.dirty = false
    this.lastPublished = state
    this.schedule()
    let data: Uint8Array
    try {
      data = encodeAdvert(state, this.init.maxBytes ?? MAX_NODE_STATE_BYTES)
    } catch (err) {
      // Only decorate() can grow a validated state; skip this advert rather than gossip an oversized one.
      this.log.error({ err }, 'local node state advert too large, not published')
      return
    }
    this.published++
    try {
      await this.components.publish(data)
    } catch (err) {
      this.log.debug({ err, seq: state.seq }, 'publishing node state failed')
    }
  }
}
