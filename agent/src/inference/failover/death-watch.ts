/**
 * Tells forward attempts when membership declares their peer dead, so a request waiting on a frozen
 * or unplugged node moves on at detection time instead of at the client's timeout. One listener on
 * the mesh for all attempts; each attempt registers while it runs.
 */
import type { MeshEvents, PeerView } from '../../../../mesh/src/index.js'

/** The part of the mesh the watch needs. */
export interface PeerEvents extends EventTarget {
  peers(): PeerView[]
}

export class PeerDeathWatch {
  private readonly watchers = new Map<string, Set<() => void>>()

  /** Listens until `signal` aborts (the node stops). */
  constructor(private readonly mesh: PeerEvents, signal?: AbortSignal) {
    mesh.addEventListener('peer:dead', this.onDead)
    signal?.addEventListener('abort', () => mesh.removeEventListener('peer:dead', this.onDead), { once: true })
  }

  /**
   * Calls `onDead` once if `peerId` is declared dead (at once when it already is). Returns the
   * function that stops watching.
   */
  watch(peerId: string, onDead: () => void): () => void {
    if (this.mesh.peers().some((p) => p.peerId === peerId && p.status === 'dead')) {
      queueMicrotask(onDead)
      return () => {}
    }
    let set = this.watchers.get(peerId)
    if (set === undefined) this.watchers.set(peerId, (set = new Set()))
    set.add(onDead)
    return () => {
      set.delete(onDead)
      if (set.size === 0 && this.watchers.get(peerId) === set) this.watchers.delete(peerId)
    }
  }

  /** Attempts watching now (for tests). */
  size(): number {
    let n = 0
    for (const s of this.watchers.values()) n += s.size
    return n
  }

  private readonly onDead = (evt: Event): void => {
    const peerId = (evt as MeshEvents['peer:dead']).detail.peerId
    const set = this.watchers.get(peerId)
    if (set === undefined) return
    this.watchers.delete(peerId)
    for (const f of set) f()
  }
}
