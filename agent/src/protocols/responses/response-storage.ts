/**
 * The stored-responses component of a node, for the composition root: opens `<data-dir>/responses`,
 * applies history's retention to it (same days, same record cap, same job), and gives the routes
 * their `StoredResponses`. Start before the app listens; stop after it closed.
 */
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Mesh } from '../../../../mesh/src/index.js'
import { RetentionJob } from '../../history/retention-job.js'
import { LmdbResponseStore } from './response-store.js'
import { StoredResponses } from './stored-responses.js'

/** Settings of the stored-responses component. */
export interface ResponseStorageInit {
  dataDir: string
  /** History's retention: stored responses older than this are deleted (days). */
  retentionDays: number
  /** History's record cap, applied to stored responses too. */
  maxRecords: number
  mesh: Mesh
  logger?: Logger
}

/** Stored responses of one node: store, retention, lookup. */
export class ResponseStorage {
  readonly store: LmdbResponseStore
  readonly stored: StoredResponses
  private readonly retention: RetentionJob

  constructor(init: ResponseStorageInit) {
    this.store = new LmdbResponseStore(join(init.dataDir, 'responses'))
    this.stored = new StoredResponses({ store: this.store, peerId: () => init.mesh.peerId(), mesh: init.mesh })
    this.retention = new RetentionJob(this.store, { retentionDays: init.retentionDays, maxRecords: init.maxRecords, logger: init.logger?.child({ component: 'responses' }) })
  }

  async start(): Promise<void> {
    await this.store.start()
    this.retention.start()
  }

  async stop(): Promise<void> {
    await this.retention.stop()
    await this.store.stop()
  }
}
