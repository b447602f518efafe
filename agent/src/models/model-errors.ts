/** Typed errors of the model store and pulls (codes in agent/src/errors/error-table.ts). */
import { AgentError } from '../errors/errors.js'

/** The hub refused the repo: gated or private without HF_TOKEN (401), or a token without access (403). */
export class HubAccessError extends AgentError {
  constructor(repo: string, hubStatus: number) {
    super(
      'hub_access_denied',
      hubStatus === 401
        ? `Hugging Face answered 401 for ${repo}: the repo is gated or private. Accept its terms on the hub, then set HF_TOKEN (a read token) in the node's environment and retry`
        : `Hugging Face answered 403 for ${repo}: the HF_TOKEN of this node may not read it (gated repo whose terms were not accepted with this account, or a token without read access)`,
      { param: 'source' }
    )
  }
}

/** The hub has no such repo, revision or file. */
export class HubNotFoundError extends AgentError {
  constructor(what: string) {
    super('not_found', `Hugging Face has no ${what}`, { param: 'source' })
  }
}

/** The hub (HF_ENDPOINT) could not be reached or failed. */
export class HubUnavailableError extends AgentError {
  constructor(endpoint: string, detail: string, cause?: unknown) {
    super('hub_unavailable', `The Hugging Face hub at ${endpoint} failed: ${detail}`, { cause })
  }
}

/** Not enough room for the download: free disk space, or the store's configured size limit. */
export class InsufficientStorageError extends AgentError {
  constructor(needBytes: number, availableBytes: number, where: string) {
    super('insufficient_storage', `Not enough space for this model: it needs ${fmtBytes(needBytes)}, ${where} has ${fmtBytes(availableBytes)} left`)
  }
}

/** Retry-After of a request that started or waits for an automatic pull (s). */
export const PULLING_RETRY_AFTER_S = 10

/** `--auto-pull`: the requested catalog model is being downloaded; the client retries later. */
export class ModelPullingError extends AgentError {
  constructor(name: string, repo: string, node: string, percent: number | null) {
    super('model_pulling', `Model '${name}' is being pulled from ${repo} onto node ${node}${percent === null ? '' : ` (${percent}% done)`}; retry in a few seconds`, {
      param: 'model',
      headers: { 'retry-after': String(PULLING_RETRY_AFTER_S) }
    })
  }
}

/** A pull that started ended in failure (its record's `error` says why); for callers that wait on it. */
export class PullFailedError extends AgentError {
  constructor(message: string) {
    super('pull_failed', message, { param: 'model' })
  }
}

/** No stored model with that id on this node. */
export class StoredModelNotFoundError extends AgentError {
  constructor(id: string) {
    super('not_found', `No model '${id}' is stored on this node`, { param: 'id' })
  }
}

/** Human size: `1.5 GB`, `320 KB`. */
export function fmtBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = n
  let i = 0
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}
