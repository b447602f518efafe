/**
 * Idle forward streams per peer, so a forward skips opening a stream (yamux SYN, protocol selection,
 * window set-up: several frames, each encrypted twice and written on its own) and sends its request at
 * once. A stream is handed back only after a complete exchange with both sides still open; any failure,
 * cancellation or abandonment resets it instead (that reset is how cancellation reaches the serving
 * node), so a pooled stream never carries state from an earlier request.
 *
 * Pure bookkeeping with an injected clock; the mesh calls `sweep` on a timer and `clear` on stop.
 */
import { ForwardError } from '../errors.js'
import type { FrameChannel } from './frame-channel.js'

export interface StreamPoolOptions {
  /** Idle streams kept per peer; more are closed when handed back. */
  maxIdlePerPeer: number
  /** An idle stream older than this is closed by `sweep` (ms); below the serving side's idle timeout. */
  idleMs: number
  now?: () => number
}

interface Idle {
  channel: FrameChannel
  since: number
}

export class StreamPool {
  private readonly idle = new Map<string, Idle[]>()
  private readonly opts: StreamPoolOptions
  private readonly now: () => number
  /** Requests sent again on a fresh stream because their pooled stream had gone (since construction). */
  retried = 0

  constructor(opts: StreamPoolOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
  }

  /**
   * Runs `attempt` on an idle stream to `peerId` when there is one, else on a fresh one from `open`.
   * A pooled stream may have been closed by the peer a moment ago (its idle timeout, a restart) without
   * us having seen it yet: when an attempt on it fails with `peer_unreachable` — before any response
   * byte — the request goes once more on a fresh stream. Caller aborts are never retried.
   */
  async run<T>(peerId: string, open: () => Promise<FrameChannel>, attempt: (channel: FrameChannel) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const pooled = this.take(peerId)
    if (pooled !== undefined) {
      try {
        return await attempt(pooled)
      } catch (err) {
        if (!(err instanceof ForwardError && err.code === 'peer_unreachable') || signal?.aborted === true) throw err
        this.retried++
      }
    }
    return attempt(await open())
  }

  /** The most recently used idle stream to `peerId` that is still open, or undefined. */
  take(peerId: string): FrameChannel | undefined {
    const list = this.idle.get(peerId)
    while (list !== undefined && list.length > 0) {
      const { channel } = list.pop() as Idle
      if (channel.reusable) return channel
      retire(channel)
    }
    return undefined
  }

  /** Hands a stream back after an exchange; closes it when it cannot be reused or the peer has enough. */
  give(peerId: string, channel: FrameChannel, reusable: boolean): void {
    let list = this.idle.get(peerId)
    if (!reusable || !channel.reusable || (list?.length ?? 0) >= this.opts.maxIdlePerPeer) {
      retire(channel)
      return
    }
    if (list === undefined) this.idle.set(peerId, (list = []))
    list.push({ channel, since: this.now() })
  }

  /** Closes streams idle longer than `idleMs` or already closed; returns how many were dropped. */
  sweep(): number {
    const cutoff = this.now() - this.opts.idleMs
    let dropped = 0
    for (const [peerId, list] of this.idle) {
      const keep: Idle[] = []
      for (const i of list) {
        if (i.since > cutoff && i.channel.reusable) keep.push(i)
        else retire(i.channel)
      }
      dropped += list.length - keep.length
      if (keep.length === 0) this.idle.delete(peerId)
      else this.idle.set(peerId, keep)
    }
    return dropped
  }

  /**
   * Drops every idle stream of `peerId` (its connection closed) or of all peers. `reset` aborts them
   * at once instead of closing gracefully: used when the mesh stops, so libp2p does not wait on them.
   */
  clear(peerId?: string, reset = false): void {
    for (const [id, list] of this.idle) {
      if (peerId !== undefined && id !== peerId) continue
      for (const i of list) {
        if (reset) i.channel.stream.abort(new Error('mesh stopping'))
        else retire(i.channel)
      }
      this.idle.delete(id)
    }
  }

  /** Idle streams per peer (for stats and tests). */
  size(peerId?: string): number {
    if (peerId !== undefined) return this.idle.get(peerId)?.length ?? 0
    let n = 0
    for (const list of this.idle.values()) n += list.length
    return n
  }
}

/** Gracefully closes a stream that leaves the pool: the serving side sees a clean end between requests. */
function retire(channel: FrameChannel): void {
  channel.detach()
  const stream = channel.stream
  if (stream.status !== 'open') return
  stream.close({ signal: AbortSignal.timeout(2_000) }).catch(() => stream.abort(new Error('idle forward stream close failed')))
}
