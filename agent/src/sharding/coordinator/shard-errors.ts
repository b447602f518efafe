/** Errors of split models (codes in the one error table, specs/errors.md). */
import { AgentError } from '../../errors/errors.js'
import { fmtBytes } from '../../models/model-errors.js'

/** Retry-After of a request for a split model that is being placed or loaded (s). */
export const SHARD_RETRY_AFTER_S = 2

/** The split model is not serving yet: being placed, loading, or reloading after a worker was lost. */
export class ShardNotReadyError extends AgentError {
  constructor(model: string, state: string, detail?: string) {
    super('shard_not_ready', `Model '${model}' is split over RPC workers and is ${state}${detail ? ` (${detail})` : ''}; retry shortly`, { headers: { 'retry-after': String(SHARD_RETRY_AFTER_S) } })
  }
}

/** No set of free workers covers what the split model needs. */
export class ShardInsufficientMemoryError extends AgentError {
  constructor(model: string, needBytes: number, availableBytes: number, workers: number, minWorkers?: number) {
    super('shard_insufficient_memory', shardMemoryMessage(model, needBytes, availableBytes, workers, minWorkers), { headers: { 'retry-after': String(SHARD_RETRY_AFTER_S * 5) } })
  }
}

export function shardMemoryMessage(model: string, needBytes: number, availableBytes: number, workers: number, minWorkers?: number): string {
  const short = minWorkers ? `; its mark asks for at least ${minWorkers} workers` : ''
  return `Not enough free RPC worker memory to split '${model}': it needs ${fmtBytes(needBytes)} (${needBytes} bytes), the ${workers} free worker${workers === 1 ? '' : 's'} have ${fmtBytes(availableBytes)} (${availableBytes} bytes)${short}`
}
