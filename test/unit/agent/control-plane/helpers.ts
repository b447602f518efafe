/** Control-plane test helpers: temp LMDB stores and an in-memory mesh of replicators. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { LmdbControlStore } from '../../../../agent/src/control-plane/lmdb-control-store.js'
import { ControlReplicator, type ReplicationTransport } from '../../../../agent/src/control-plane/replicator.js'

export const silent = pino({ level: 'silent' })
const dirs: string[] = []
const stores: LmdbControlStore[] = []

export async function tempStore(path?: string, now?: () => number): Promise<LmdbControlStore> {
  const dir = path ?? (await mkdtemp(join(tmpdir(), 'llmlb-control-')))
  if (!path) dirs.push(dir)
  const s = await LmdbControlStore.open({ path: dir, logger: silent, now })
  stores.push(s)
  return s
}

export async function cleanup(): Promise<void> {
  await Promise.all(stores.splice(0).map((s) => s.close()))
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
}

/** A fake mesh connecting replicators in memory; nodes can be cut off (deltas and syncs lost). */
export class MemoryMesh {
  private readonly nodes = new Map<string, { handlers: Set<(d: Uint8Array, from: string) => void>; joins: Set<(p: string) => void>; replicator?: ControlReplicator; up: boolean }>()
  /** Deltas delivered so far (for assertions). */
  delivered = 0

  transport(id: string): ReplicationTransport {
    const me = { handlers: new Set<(d: Uint8Array, from: string) => void>(), joins: new Set<(p: string) => void>(), up: true }
    this.nodes.set(id, me)
    return {
      publish: async (data) => {
        if (!me.up) throw new Error('down')
        for (const [other, n] of this.nodes) if (other !== id && n.up) for (const h of n.handlers) { this.delivered++; h(data, id) }
      },
      subscribe: (h) => { me.handlers.add(h); return () => me.handlers.delete(h) },
      onPeerJoin: (h) => { me.joins.add(h); return () => me.joins.delete(h) },
      peers: () => [...this.nodes].filter(([o, n]) => o !== id && n.up).map(([o]) => o),
      exchange: async (peer, req) => {
        const n = this.nodes.get(peer)
        if (!me.up || !n?.up || !n.replicator) throw new Error('unreachable')
        // a JSON round trip, as over the wire
        return JSON.parse(JSON.stringify(n.replicator.handleSync(JSON.parse(JSON.stringify(req)))))
      }
    }
  }

  register(id: string, r: ControlReplicator): void {
    const n = this.nodes.get(id)
    if (n) n.replicator = r
  }

  /** Takes a node off the mesh (it misses everything) or brings it back (everyone sees it join, it sees everyone). */
  setUp(id: string, up: boolean): void {
    const n = this.nodes.get(id)
    if (!n) return
    n.up = up
    if (!up) return
    for (const [other, o] of this.nodes) {
      if (other === id || !o.up) continue
      for (const j of o.joins) j(id)
      for (const j of n.joins) j(other)
    }
  }
}
