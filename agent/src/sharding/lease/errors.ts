/** Errors of leases on RPC workers (specs/sharding.md, specs/errors.md). */
import { AgentError } from '../../errors/errors.js'

/** The worker is leased by another coordinator: one client at a time. */
export class WorkerBusyError extends AgentError {
  readonly holder: string | undefined
  constructor(message: string, holder?: string) {
    super('worker_busy', message)
    this.holder = holder
  }
}

/** The node lends no worker, its worker is not up, or it cannot be reached. */
export class WorkerUnavailableError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('worker_unavailable', message, options)
  }
}

/** A renewal from a node that holds no lease here (it expired, was released, or the worker restarted). */
export class LeaseNotHeldError extends AgentError {
  constructor() {
    super('not_found', 'This node holds no lease for the caller: it expired, was released, or the worker restarted')
  }
}
