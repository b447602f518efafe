/**
 * Typed errors of the agent. Every condition the API can report is a class with a stable `code`;
 * `error-table.ts` maps each code to an HTTP status and an OpenAI error `type`.
 * Errors from `native-runtime` and `mesh` carry their own codes and go through the same table.
 */
export class AgentError extends Error {
  readonly code: string
  readonly param: string | null
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Record<string, string>
  constructor(code: string, message: string, options?: { param?: string | null; cause?: unknown; headers?: Record<string, string> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.param = options?.param ?? null
    this.headers = options?.headers ?? {}
  }
}

/** The body is not valid JSON. */
export class InvalidJsonError extends AgentError {
  constructor(detail: string) {
    super('invalid_json', `We could not parse the JSON body of your request: ${detail}`)
  }
}

/** The body failed schema validation; `param` names the offending field. */
export class InvalidRequestError extends AgentError {
  constructor(message: string, param: string | null) {
    super('invalid_request', message, { param })
  }
}

/** No node in the mesh serves the requested model. */
export class UnknownModelError extends AgentError {
  constructor(model: string) {
    super('model_not_found', `The model '${model}' does not exist or is not served by any node`, { param: 'model' })
  }
}

/** The per-model admission queue is full. */
export class QueueFullError extends AgentError {
  constructor(model: string, retryAfterS: number) {
    super('queue_full', `Too many requests are waiting for model '${model}'; retry after ${retryAfterS}s`, {
      headers: { 'retry-after': String(retryAfterS) }
    })
  }
}

/** The request waited in the admission queue longer than allowed. */
export class QueueTimeoutError extends AgentError {
  constructor(model: string, waitedMs: number, retryAfterS: number) {
    super('queue_timeout', `No slot for model '${model}' became free within ${waitedMs} ms; retry after ${retryAfterS}s`, {
      headers: { 'retry-after': String(retryAfterS) }
    })
  }
}

/** The node is draining and takes no new work. */
export class ShuttingDownError extends AgentError {
  constructor() {
    super('shutting_down', 'This node is shutting down; send the request to another node', { headers: { 'retry-after': '1' } })
  }
}

/** No route for this path. */
export class RouteNotFoundError extends AgentError {
  constructor(method: string, url: string) {
    super('route_not_found', `Unknown request URL: ${method} ${url.split('?')[0]}`)
  }
}

/** Every candidate peer failed before answering. */
export class UpstreamError extends AgentError {
  constructor(message = 'The node serving this model failed before answering', cause?: unknown) {
    super('upstream_failed', message, { cause })
  }
}

/**
 * Every holder this node could try was suspect (its heartbeat late: across a partition, or dying) and
 * none answered: a 503 to retry, as when no holder is in view at all, not a 502 of a node that failed.
 */
export class NoReachableHolderError extends AgentError {
  constructor(message: string, cause?: unknown) {
    super('no_capacity', message, { cause, headers: { 'retry-after': '1' } })
  }
}

/** No holder of the model has a capability the request needs. */
export class MissingCapabilityError extends AgentError {
  constructor(model: string, capability: string, modelsWithIt: string[]) {
    super(
      'model_capability_missing',
      `The model '${model}' does not support ${capability}. ${modelsWithIt.length ? `Models in this cluster that do: ${modelsWithIt.join(', ')}` : 'No model in this cluster does'}`,
      { param: 'model' }
    )
  }
}

/** Pulling, deleting or copying models (Ollama's model management) is not available yet. */
export class ModelManagementUnavailableError extends AgentError {
  constructor(what: string) {
    super('model_management_unavailable', `${what} is not available on this node yet`)
  }
}
