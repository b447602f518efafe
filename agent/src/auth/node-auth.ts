/**
 * Auth and the control plane on one node, as the composition root drives them:
 * `open` (LMDB store + AuthService) → `attach(mesh)` (replication, before the mesh starts) →
 * `bootstrap` (after the mesh started: wait for a first sync, then first admin / initial key) →
 * `issueLocalToken` (after HTTP listens) → `stop`.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Mesh } from '../../../mesh/src/index.js'
import { LmdbControlStore } from '../control-plane/lmdb-control-store.js'
import { meshReplicationTransport } from '../control-plane/mesh-transport.js'
import { ClusterClock } from '../control-plane/cluster-clock.js'
import { ControlReplicator } from '../control-plane/replicator.js'
import { AuthService, type AuthMode, type AuthServiceInit } from './auth-service.js'
import { bootstrapAuth, issueLocalToken, type BootstrapResult } from './bootstrap.js'

/** Folder of the control-plane LMDB environment inside the data dir. */
export const CONTROL_DIR = 'control'
/** Longest wait for a first anti-entropy exchange before bootstrapping or serving (ms). */
export const FIRST_SYNC_WAIT_MS = 3_000
/** Anti-entropy interval of the test profile (ms). */
export const TEST_ANTI_ENTROPY_INTERVAL_MS = 1_000

export interface NodeAuthInit {
  dataDir: string
  mode: AuthMode
  internalSecret: string
  /** From LLMLB_ADMIN_PASSWORD / config `adminPassword`; used only if the cluster has no users. */
  adminPassword?: string
  /** @default ANTI_ENTROPY_INTERVAL_MS */
  antiEntropyIntervalMs?: number
  /** Extra AuthService options (tests). */
  service?: Partial<AuthServiceInit>
}

/**
 * Whether a starting node waits (up to FIRST_SYNC_WAIT_MS) for a first control-plane sync. A node with
 * peers — configured, or already met — catches up with their keys, users and revocations before it
 * serves admin changes. A lone node, the first of a new cluster, starts at once, mDNS or not: a peer
 * found later merges by the control plane's rules (bootstrap defaults lose to real writes, and the
 * older of two defaults wins).
 */
export function awaitsFirstSync(p: { configuredPeers: number; alivePeers: number }): boolean {
  return p.configuredPeers > 0 || p.alivePeers > 0
}

/** What `bootstrap` reports for the start banner. */
export interface AuthStartInfo extends Partial<BootstrapResult> {
  mode: AuthMode
}

export class NodeAuth {
  private replicator?: ControlReplicator
  private tokenFile?: string

  private constructor(readonly store: LmdbControlStore, readonly auth: AuthService, private readonly init: NodeAuthInit, private readonly log: Logger, private readonly clock: ClusterClock) {}

  static async open(init: NodeAuthInit, logger: Logger): Promise<NodeAuth> {
    // one corrected clock for HLC stamps and key expiry: a machine whose clock is off by minutes still
    // writes and judges on the cluster's time once its peers outvote it (control-plane/cluster-clock.ts)
    const clock = new ClusterClock()
    const store = await LmdbControlStore.open({ path: join(init.dataDir, CONTROL_DIR), logger, now: clock.now })
    const auth = new AuthService(store, logger, { mode: init.mode, internalSecret: init.internalSecret, now: clock.now, ...init.service })
    return new NodeAuth(store, auth, init, logger, clock)
  }

  /** Starts replicating over `mesh` (call before `mesh.start()`; the mesh must declare CONTROL_TOPIC). */
  attach(mesh: Mesh): void {
    this.replicator = new ControlReplicator(this.store, meshReplicationTransport(mesh), this.log, { antiEntropyIntervalMs: this.init.antiEntropyIntervalMs, clock: this.clock })
    this.replicator.start()
  }

  /** Answers a peer's anti-entropy request (the internal sync route). */
  handleSync(body: unknown): unknown {
    if (!this.replicator) throw new Error('control plane not attached to the mesh')
    return this.replicator.handleSync(body)
  }

  /**
   * Waits (bounded) for a first exchange with a peer when one is expected — so a node that was offline
   * does not serve revoked keys from its stale copy, and a joining node does not bootstrap a cluster
   * that already has accounts — then creates the first admin and initial key if there are none.
   */
  async bootstrap(expectPeers: boolean): Promise<AuthStartInfo> {
    // with auth off nothing is checked, so a stale copy is harmless: do not delay the start
    if (this.init.mode === 'off') return { mode: 'off' }
    if (expectPeers && this.replicator) {
      const synced = await this.replicator.whenSynced(FIRST_SYNC_WAIT_MS)
      if (!synced) this.log.info({ waitedMs: FIRST_SYNC_WAIT_MS }, 'no peer answered a control-plane sync yet; going on with the local copy')
    }
    return { mode: 'on', ...(await bootstrapAuth(this.auth, { dataDir: this.init.dataDir, adminPassword: this.init.adminPassword, logger: this.log })) }
  }

  /** Writes this run's local admin token for the CLI (auth on only). */
  async issueLocalToken(): Promise<void> {
    if (this.init.mode === 'off') return
    this.tokenFile = await issueLocalToken(this.auth, this.init.dataDir)
  }

  async stop(): Promise<void> {
    this.replicator?.stop()
    this.auth.setLocalToken(undefined)
    if (this.tokenFile) await rm(this.tokenFile, { force: true }).catch(() => undefined)
    await this.store.close().catch((err: unknown) => this.log.warn({ err }, 'closing the control store failed'))
  }
}
