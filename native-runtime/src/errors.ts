/**
 * Typed errors of the native runtime. Each has a stable `code`; the agent's error table maps codes to
 * HTTP statuses and OpenAI error types, so this package never knows about HTTP.
 */
export class RuntimeError extends Error {
  /** Stable machine-readable code (snake_case). */
  readonly code: string
  /** Parameter of the request at fault, when there is one. */
  readonly param: string | null
  constructor(code: string, message: string, options?: { cause?: unknown; param?: string | null }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.param = options?.param ?? null
  }
}

/** No model with that id is loaded here. */
export class ModelNotFoundError extends RuntimeError {
  constructor(model: string) {
    super('model_not_found', `The model '${model}' does not exist`, { param: 'model' })
  }
}

/** The GGUF could not be loaded (bad file, bad metadata, the child aborted while loading it). */
export class ModelLoadError extends RuntimeError {
  constructor(model: string, reason: string, cause?: unknown) {
    super('model_load_failed', `Model '${model}' failed to load: ${reason}`, { cause })
  }
}

/** The prompt (plus at least one generated token) does not fit in the model's context. */
export class ContextOverflowError extends RuntimeError {
  constructor(promptTokens: number, contextSize: number, param = 'messages') {
    super(
      'context_length_exceeded',
      `This model's maximum context length is ${contextSize} tokens, but the prompt has ${promptTokens} tokens`,
      { param }
    )
  }
}

/** The runtime child is down or restarting, or died while serving this request. */
export class RuntimeUnavailableError extends RuntimeError {
  constructor(reason = 'The inference runtime is unavailable; retry shortly', cause?: unknown) {
    super('runtime_unavailable', reason, { cause })
  }
}

/** The model cannot do what was asked (e.g. embeddings from a model without them). */
export class CapabilityError extends RuntimeError {
  constructor(model: string, capability: string) {
    super('model_capability_missing', `The model '${model}' does not support ${capability}`, { param: 'model' })
  }
}

/** An image in the prompt could not be decoded (not an image, or a format llama.cpp does not read). */
export class InvalidImageError extends RuntimeError {
  constructor(reason: string, param: string | null = 'messages') {
    super('invalid_image', `Invalid image: ${reason}`, { param })
  }
}
