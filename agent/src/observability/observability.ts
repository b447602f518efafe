/**
 * History, token statistics, logs and metrics of one node, wired for the composition root: opens the
 * history store (`<data-dir>/history`), runs retention, owns the metrics registry, and gives the app
 * its request observer (hooks) and its routes. Start before the app listens; stop after it closed
 * (in-flight requests still write their records).
 */
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Mesh } from '../../../mesh/src/index.js'
import { LmdbHistoryStore } from '../history/lmdb-history-store.js'
import { RetentionJob } from '../history/retention-job.js'
import { meshPeers } from '../history/federation.js'
import { historyRoutes } from '../http/routes/history.js'
import { statsRoutes } from '../http/routes/stats.js'
import { logRoutes } from '../http/routes/logs.js'
import { metricsRoutes } from '../http/routes/metrics.js'
import { AgentMetrics, type MetricsSources } from './metrics.js'
import { installRequestObserver } from './request-observer.js'
import type { LogSource } from './log-tail.js'

export interface ObservabilityConfig {
  dataDir: string
  name: string
  history: { enabled: boolean; storeBodies: boolean; maxBodyBytes: number; retentionDays: number; maxRecords: number }
}

export interface ObservabilityInit {
  /** The log tail of this process (from `createAgentLogger`); without it the log API answers no lines. */
  logs?: LogSource
  logger?: Logger
  /** Retention run interval (ms). @default RETENTION_INTERVAL_MS */
  retentionIntervalMs?: number
}

/** What the HTTP app needs: hooks to install before auth, and routes to register. */
export interface AppObservability {
  install(app: FastifyInstance): void
  routes(app: FastifyInstance): Promise<void>
}

export class Observability implements AppObservability {
  readonly history: LmdbHistoryStore
  readonly metrics: AgentMetrics
  private readonly retention: RetentionJob
  private mesh?: Mesh

  constructor(
    private readonly config: ObservabilityConfig,
    sources: MetricsSources,
    private readonly init: ObservabilityInit = {}
  ) {
    this.history = new LmdbHistoryStore({ path: join(config.dataDir, 'history') })
    this.metrics = new AgentMetrics({ ...sources, historySize: () => this.history.size() })
    this.retention = new RetentionJob(this.history, {
      retentionDays: config.history.retentionDays,
      maxRecords: config.history.maxRecords,
      intervalMs: init.retentionIntervalMs,
      logger: init.logger?.child({ component: 'history' })
    })
  }

  async start(mesh?: Mesh): Promise<void> {
    this.mesh = mesh
    await this.history.start()
    this.retention.start()
  }

  async stop(): Promise<void> {
    await this.retention.stop()
    await this.history.stop()
  }

  install(app: FastifyInstance): void {
    installRequestObserver(app, {
      nodeName: this.config.name,
      history: this.config.history.enabled ? this.history : undefined,
      metrics: this.metrics,
      storeBodies: this.config.history.storeBodies,
      maxBodyBytes: this.config.history.maxBodyBytes
    })
  }

  routes = async (app: FastifyInstance): Promise<void> => {
    const peers = this.mesh ? meshPeers(this.mesh) : undefined
    const nodeName = this.config.name
    await app.register(historyRoutes, { store: this.history, nodeName, peers })
    await app.register(statsRoutes, { stats: () => this.history.tokenStats(), nodeName, peers })
    await app.register(logRoutes, { nodeName, logs: this.init.logs, mesh: this.mesh })
    await app.register(metricsRoutes, { metrics: this.metrics })
  }
}
