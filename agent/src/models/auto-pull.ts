/**
 * `--auto-pull`'s placement: a catalog model that no node has is pulled onto the node best able to
 * hold it (placement.ts, from the capacity every node gossips), through the same pull path as
 * `llmlb models pull --node NAME` (this node's pull manager, or the admin API of a peer through the
 * mesh). One placement per catalog entry at a time; its state is read lazily, when a request for the
 * model asks again, so nothing runs while nobody waits for the model.
 */
import type { Logger } from 'pino'
import type { ForwardCaller, Mesh } from '../../../mesh/src/index.js'
import { LOCAL_ADMIN_ID } from '../auth/identity.js'
import { askPeer } from '../node/peer-api.js'
import { Catalog, type CatalogEntry } from './catalog.js'
import type { ModelManager } from './model-manager.js'
import type { PullRecord } from './model-record.js'
import { rankForPlacement, type PlacementCandidate } from './placement.js'

/** Shortest time between two reads of a placed pull's progress (ms). */
export const AUTO_PULL_CHECK_MS = 2000
/**
 * After a placed model was seen in the cluster's view, how long a request that misses it again (a
 * node briefly suspected under load, an advert late) waits for it there instead of placing a
 * second copy elsewhere (ms).
 */
export const AUTO_PULL_SETTLED_MS = 60_000
/** Longest wait for a peer to accept a pull (ms): it resolves the repo before answering. */
const PEER_PULL_TIMEOUT_MS = 60_000

/** A node a pull can be placed on; `peerId` is absent for this node. */
export interface PullTarget extends PlacementCandidate {
  peerId?: string
}

/** What a placed pull reports. */
export interface PlacedPullState {
  state: PullRecord['state']
  percent: number | null
  error: string | null
}

/** The I/O of placement: the candidates, starting a pull on one, and reading its state. */
export interface PullOps {
  /** Every alive node with its gossiped capacity, this one included. */
  candidates(): PullTarget[]
  /** Starts (or joins) the pull of `source` on `target`; resolves with the pull's id. */
  start(target: PullTarget, source: string): Promise<string>
  /** The pull's state on `target`; undefined when the node no longer knows it. */
  state(target: PullTarget, pullId: string): Promise<PlacedPullState | undefined>
}

interface Placement {
  target: PullTarget
  pullId?: string
  percent: number | null
  /** Set when the pull could not start or failed: the next request places it again. */
  failed?: string
  checkedAt: number
  checking: boolean
  /** When the model was first seen in the cluster's view. */
  settledAt?: number
}

const percentOf = (p: PullRecord): number | null => {
  const total = p.files.reduce((s, f) => s + f.size, 0)
  return total > 0 ? Math.floor((p.files.reduce((s, f) => s + f.received, 0) * 100) / total) : null
}

export class AutoPlacer {
  private readonly placements = new Map<string, Placement>()
  private readonly now: () => number

  constructor(private readonly ops: PullOps, private readonly logger: Logger, now?: () => number) {
    this.now = now ?? Date.now
  }

  /** Starts (or joins) the placement of `entry`; where it goes and how far it is. */
  ensure(entry: CatalogEntry): { node: string; percent: number | null } {
    let p = this.placements.get(entry.id)
    if (p?.settledAt !== undefined && this.now() - p.settledAt < AUTO_PULL_SETTLED_MS) return { node: p.target.name, percent: 100 }
    if (p?.failed !== undefined || p?.settledAt !== undefined) p = undefined
    if (!p) {
      const best = rankForPlacement(this.ops.candidates())[0] as PullTarget | undefined
      if (!best) throw new Error('no node to place the model on')
      const placed: Placement = { target: best, percent: null, checkedAt: this.now(), checking: false }
      p = placed
      this.placements.set(entry.id, placed)
      this.logger.info({ model: entry.id, repo: entry.repo, node: best.name }, 'auto-pull: pulling a requested catalog model onto the best node')
      this.ops.start(best, Catalog.sourceOf(entry)).then(
        (id) => (placed.pullId = id),
        (err: unknown) => this.fail(entry, placed, (err as Error).message)
      )
    } else if (p.pullId && !p.checking && this.now() - p.checkedAt >= AUTO_PULL_CHECK_MS) {
      void this.check(entry, p, p.pullId)
    }
    return { node: p.target.name, percent: p.percent }
  }

  /** The model is in the cluster's view: its placement is over (remembered for AUTO_PULL_SETTLED_MS). */
  settle(entryId: string): void {
    const p = this.placements.get(entryId)
    if (p && p.settledAt === undefined) p.settledAt = this.now()
  }

  private async check(entry: CatalogEntry, p: Placement, pullId: string): Promise<void> {
    p.checking = true
    try {
      const s = await this.ops.state(p.target, pullId)
      p.checkedAt = this.now()
      if (!s) this.fail(entry, p, `node ${p.target.name} no longer knows the pull`)
      else if (s.state === 'failed') this.fail(entry, p, s.error ?? 'failed')
      else p.percent = s.percent
    } catch (err) {
      p.checkedAt = this.now()
      this.logger.warn({ model: entry.id, node: p.target.name, err: (err as Error).message }, 'auto-pull: progress not read')
    } finally {
      p.checking = false
    }
  }

  private fail(entry: CatalogEntry, p: Placement, message: string): void {
    p.failed = message
    this.logger.warn({ model: entry.id, node: p.target.name, err: message }, 'auto-pull failed')
  }
}

/** Placement's I/O on a real node: this node's pull manager, and peers' admin API through the mesh. */
export function meshPullOps(nodeName: string, manager: ModelManager, mesh: () => Mesh | undefined): PullOps {
  // the node acts on its own authority (its operator turned auto-pull on), as its local admin
  const caller: ForwardCaller = { kind: 'api-key', id: LOCAL_ADMIN_ID, scopes: ['models:read', 'models:manage'] }
  const ask = (target: PullTarget, req: { method: string; path: string; body?: unknown }, timeoutMs?: number) => {
    const m = mesh()
    if (!m || !target.peerId) throw new Error(`node ${target.name} is not reachable`)
    return askPeer(m, target.peerId, { ...req, requestId: `auto-pull-${Date.now().toString(36)}`, caller }, { timeoutMs })
  }
  return {
    candidates: () => [
      { name: nodeName, ...manager.capacity() },
      ...(mesh()?.peers() ?? []).flatMap((p) => (p.status === 'alive' && p.state.status === 'alive' && p.state.capacity ? [{ name: p.state.name, peerId: p.peerId, ...p.state.capacity }] : []))
    ],
    start: async (target, source) => {
      if (!target.peerId) return (await manager.pull(source)).id
      const r = await ask(target, { method: 'POST', path: '/api/models/pull', body: { source } }, PEER_PULL_TIMEOUT_MS)
      const body = r.body as { pull?: { id?: string }; error?: { message?: string } } | null
      if (r.status !== 202 || typeof body?.pull?.id !== 'string') throw new Error(`node ${target.name} refused the pull (${r.status}): ${body?.error?.message ?? ''}`)
      return body.pull.id
    },
    state: async (target, pullId) => {
      let pulls: PullRecord[]
      if (!target.peerId) pulls = manager.pullList()
      else {
        const r = await ask(target, { method: 'GET', path: '/api/models' })
        if (r.status !== 200) throw new Error(`node ${target.name} answered ${r.status}`)
        pulls = (r.body as { pulls?: PullRecord[] }).pulls ?? []
      }
      const p = pulls.find((x) => x.id === pullId)
      return p ? { state: p.state, percent: percentOf(p), error: p.error } : undefined
    }
  }
}
