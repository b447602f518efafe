/**
 * Applies history retention periodically: deletes records older than `retentionDays`, then the
 * oldest beyond `maxRecords`, in small batches (the store's `prune`). Token aggregates are not
 * touched. Also lets the store forget idle cached counters. One run at a time; `stop` waits for it.
 */
import type { Logger } from 'pino'
import type { RetentionPolicy } from './history-store.js'

/** Time between retention runs (ms). */
export const RETENTION_INTERVAL_MS = 60_000
const DAY_MS = 86_400_000

/** The policy in force at `now` (ms). */
export function retentionPolicy(now: number, retentionDays: number, maxRecords: number): RetentionPolicy {
  return { olderThan: now - retentionDays * DAY_MS, maxRecords }
}

export interface RetentionTarget {
  prune(policy: RetentionPolicy): Promise<number>
  compactCache(): Promise<void>
}

export interface RetentionJobInit {
  retentionDays: number
  maxRecords: number
  /** @default RETENTION_INTERVAL_MS */
  intervalMs?: number
  /** @default Date.now */
  now?: () => number
  logger?: Logger
}

export class RetentionJob {
  private timer?: NodeJS.Timeout
  private running?: Promise<number>

  constructor(
    private readonly store: RetentionTarget,
    private readonly init: RetentionJobInit
  ) {}

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => void this.runOnce(), this.init.intervalMs ?? RETENTION_INTERVAL_MS)
    this.timer.unref()
    // a node that was down for a while applies its policy at once, not a minute later
    void this.runOnce()
  }

  /** Runs retention now (or joins the run in progress); resolves with the records deleted. */
  runOnce(): Promise<number> {
    this.running ??= (async () => {
      try {
        const deleted = await this.store.prune(retentionPolicy((this.init.now ?? Date.now)(), this.init.retentionDays, this.init.maxRecords))
        if (deleted > 0) this.init.logger?.info({ deleted }, 'history retention deleted old records')
        await this.store.compactCache()
        return deleted
      } catch (err) {
        this.init.logger?.warn({ err: (err as Error).message }, 'history retention failed')
        return 0
      } finally {
        this.running = undefined
      }
    })()
    return this.running
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }
}
