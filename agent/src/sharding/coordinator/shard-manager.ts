/**
 * Split models on this node: reads the shard marks (and, with `--auto-shard`, the stored models no
 * node's memory budget fits), computes for each the coordinator every node agrees on, and runs the
 * ones this node coordinates (ShardRun, registered as backends). Recomputed when a mark changes,
 * when gossip changes, and on a timer, so a coordinator that died is replaced by the next holder once
 * its peers see it gone and its leases expire.
 */
import type { Logger } from 'pino'
import type { Mesh, PeerView } from '../../../../mesh/src/index.js'
import type { BackendRegistry } from '../../backends/index.js'
import type { HealthTimings } from '../../engines/index.js'
import type { ModelRecord } from '../../models/index.js'
import type { Outbound } from '../../net/index.js'
import type { RpcBinaries, WorkerLeaser } from '../contract.js'
import { chooseCoordinator, chooseWorkers, eligibleWorkers, fitsNowhere, shardNeedBytes, wholeNeedBytes, type BuildInfo, type PlacementNode, type ShardServing, type WorkerPlan } from '../placement/index.js'
import type { ShardMark, ShardMarks } from './marks.js'
import { ShardRun } from './shard-run.js'

/** Gossip events after which placement is recomputed (an advert, a node gone). */
const PEER_EVENTS = ['peer:join', 'peer:update', 'peer:dead', 'peer:leave'] as const

export interface ShardManagerDeps {
  marks: ShardMarks
  mesh: Pick<Mesh, 'peers' | 'peerId' | 'addEventListener' | 'removeEventListener'>
  name: string
  /** The model store of this node. */
  records: { record(id: string): ModelRecord | undefined; ids(): string[]; budgetBytes(): number }
  binaries?: RpcBinaries
  leaser?: WorkerLeaser
  registry: BackendRegistry
  serving: ShardServing
  autoShard: boolean
  threads?: number
  outbound: Outbound
  health: HealthTimings
  logger: Logger
  /** How often placement is recomputed without a trigger (ms). */
  intervalMs?: number
  retryMs?: number
  loadTimeoutMs?: number
  /** Called when this node starts coordinating a model. */
  onCoordinate?: (model: string) => void
}

/** One split model as GET /api/models shows it (from gossip: any node answers the same). */
export interface ShardView {
  id: string
  /** What the mark asks (absent for models split by `--auto-shard`). */
  mark?: ShardMark
  auto: boolean
  coordinator?: { name: string; peerId: string }
  state: string
  workers: { name: string; peerId: string; bytes: number }[]
  error?: string
}

export class ShardManager {
  private readonly runs = new Map<string, ShardRun>()
  /** Runs being stopped: their workers are not free until their leases are released. */
  private readonly stopping = new Set<ShardRun>()
  private timer?: NodeJS.Timeout
  private unsubscribe?: () => void
  private readonly onPeers = (): void => this.reconcile()
  private stopped = false

  constructor(private readonly d: ShardManagerDeps) {}

  /** This node's build, as placement compares it with workers'. */
  build(): BuildInfo | undefined {
    const b = this.d.binaries
    return b ? { protocol: b.protocol, bundle: b.bundleCommit, backend: b.backend } : undefined
  }

  start(): void {
    this.unsubscribe = this.d.marks.onChange(() => this.reconcile())
    for (const e of PEER_EVENTS) this.d.mesh.addEventListener(e, this.onPeers)
    this.timer = setInterval(() => this.reconcile(), this.d.intervalMs ?? 1_000)
    this.timer.unref()
    this.reconcile()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.unsubscribe?.()
    for (const e of PEER_EVENTS) this.d.mesh.removeEventListener(e, this.onPeers)
    await Promise.all([...this.runs.keys()].map((id) => this.drop(id)))
  }

  /** True when this node coordinates `model` (its stored advert gives way to the split one). */
  coordinates(model: string): boolean {
    return this.runs.has(model)
  }

  /**
   * True when an alive peer serves `model` split: this node, though it holds the file, neither
   * advertises it as stored nor loads it whole on demand (routing would otherwise pick a cold load here
   * over the split model). Once that coordinator is gone, the stored advert is back and the coordinator
   * choice sees this node again.
   */
  splitElsewhere(model: string): boolean {
    return !this.runs.has(model) && this.alivePeers().some((p) => p.state.models.some((m) => m.id === model && m.sharded !== undefined))
  }

  /** Models to split now: the marks, plus with `--auto-shard` the stored ones no node fits. */
  wanted(): Map<string, { mark?: ShardMark; auto: boolean }> {
    const out = new Map<string, { mark?: ShardMark; auto: boolean }>()
    for (const [id, mark] of this.d.marks.all()) out.set(id, { mark, auto: false })
    if (!this.d.autoShard) return out
    const budgets = [this.d.records.budgetBytes(), ...this.alivePeers().flatMap((p) => (p.state.capacity ? [p.state.capacity.memoryBudgetBytes] : []))]
    for (const id of this.d.records.ids()) {
      const r = this.d.records.record(id)
      if (r && !out.has(id) && fitsNowhere(wholeNeedBytes(r, this.d.serving), budgets)) out.set(id, { auto: true })
    }
    return out
  }

  private alivePeers(): PeerView[] {
    return this.d.mesh.peers().filter((p) => p.status === 'alive' && p.state.status === 'alive')
  }

  /** Every node as placement sees it for `model`, this one first. */
  nodes(model: string): PlacementNode[] {
    const self: PlacementNode = { peerId: this.d.mesh.peerId(), name: this.d.name, alive: true, holds: this.d.records.record(model) !== undefined, coordinates: this.runs.has(model), ...(this.build() ? { rpcBuild: this.build() } : {}) }
    return [
      self,
      ...this.alivePeers().map((p): PlacementNode => {
        const ads = p.state.models.filter((m) => m.id === model)
        return {
          peerId: p.peerId,
          name: p.state.name,
          alive: true,
          holds: ads.some((m) => m.engine === undefined || m.sharded !== undefined),
          coordinates: ads.some((m) => m.sharded !== undefined),
          ...(p.state.rpcBuild ? { rpcBuild: p.state.rpcBuild } : {}),
          ...(p.state.rpcWorker ? { rpcWorker: p.state.rpcWorker } : {}),
          ...(p.rttMs === undefined ? {} : { rttMs: p.rttMs })
        }
      })
    ]
  }

  /** Workers for `model` coordinated here, from the current gossip. */
  plan(model: string, mark: ShardMark | undefined): WorkerPlan {
    const r = this.d.records.record(model)
    const build = this.build()
    const need = r ? shardNeedBytes(r, this.d.serving) : 0
    if (!r || !build) return { ok: false, needBytes: need, availableBytes: 0, eligible: 0 }
    const taken = new Set([...this.runs.values(), ...this.stopping].filter((r) => r.model !== model || this.stopping.has(r)).flatMap((r) => r.workers.map((w) => w.peerId)))
    return chooseWorkers(eligibleWorkers(this.nodes(model), this.d.mesh.peerId(), build, mark?.nodes, taken), need, mark?.workers)
  }

  reconcile(): void {
    if (this.stopped) return
    const wanted = this.wanted()
    const self = this.d.mesh.peerId()
    for (const [id, w] of wanted) {
      const mine = this.d.leaser !== undefined && chooseCoordinator(this.nodes(id)) === self
      const run = this.runs.get(id)
      if (mine && !run) this.launch(id, w.mark)
      else if (!mine && run) void this.drop(id)
      else run?.wake()
    }
    for (const id of this.runs.keys()) if (!wanted.has(id)) void this.drop(id)
  }

  private launch(id: string, mark: ShardMark | undefined): void {
    const record = this.d.records.record(id)
    if (!record || !this.d.binaries || !this.d.leaser) return
    const run = new ShardRun({
      record,
      plan: () => this.plan(id, this.d.marks.get(id) ?? mark),
      leaser: this.d.leaser,
      binaries: this.d.binaries,
      serving: this.d.serving,
      ...(this.d.threads ? { threads: this.d.threads } : {}),
      outbound: this.d.outbound,
      health: this.d.health,
      changed: () => this.d.registry.changed(),
      logger: this.d.logger,
      retryMs: this.d.retryMs ?? 2_000,
      loadTimeoutMs: this.d.loadTimeoutMs ?? 600_000
    })
    this.runs.set(id, run)
    this.d.registry.add(run)
    this.d.logger.info({ model: id }, 'coordinating split model')
    this.d.onCoordinate?.(id)
    run.start()
  }

  private async drop(id: string): Promise<void> {
    const run = this.runs.get(id)
    if (!run) return
    this.runs.delete(id)
    this.stopping.add(run)
    this.d.registry.remove(run.name)
    await run.stop()
    this.stopping.delete(run)
    this.d.logger.info({ model: id }, 'no longer coordinating split model')
    this.reconcile()
  }

  /** Every split model of the cluster, from this node's runs and its peers' adverts. */
  views(): ShardView[] {
    const wanted = this.wanted()
    const out: ShardView[] = []
    for (const [id, w] of wanted) {
      const base = { id, ...(w.mark ? { mark: w.mark } : {}), auto: w.auto }
      const run = this.runs.get(id)
      if (run) {
        const s = run.sharded()
        out.push({ ...base, coordinator: { name: this.d.name, peerId: this.d.mesh.peerId() }, state: s.state, workers: s.workers, ...(s.error ? { error: s.error } : {}) })
        continue
      }
      const peer = this.alivePeers().find((p) => p.state.models.some((m) => m.id === id && m.sharded))
      const s = peer?.state.models.find((m) => m.id === id)?.sharded
      if (peer && s) out.push({ ...base, coordinator: { name: peer.state.name, peerId: peer.peerId }, state: s.state, workers: s.workers, ...(s.error ? { error: s.error } : {}) })
      else out.push({ ...base, state: 'unplaced', workers: [], error: 'no alive node holds the model file and has the RPC binaries (llmlb rpc build)' })
    }
    return out
  }
}
