/**
 * Errors across the IPC boundary. The child sends `{code, message, param}`; the parent rebuilds an
 * instance of the matching typed class, so `instanceof` and the agent's code table work unchanged.
 */
import {
  CapabilityError,
  ContextOverflowError,
  InvalidImageError,
  ModelLoadError,
  ModelNotFoundError,
  RuntimeError,
  RuntimeUnavailableError
} from './errors.js'
import type { WireError } from './protocol.js'

/** Code of errors the child did not expect (a bug, or llama.cpp failing mid-request); the agent's table maps it to 500. */
export const INTERNAL_ERROR_CODE = 'internal_error'

const CLASSES: Record<string, abstract new (...args: never[]) => RuntimeError> = {
  model_not_found: ModelNotFoundError,
  model_load_failed: ModelLoadError,
  context_length_exceeded: ContextOverflowError,
  runtime_unavailable: RuntimeUnavailableError,
  model_capability_missing: CapabilityError,
  invalid_image: InvalidImageError
}

/** Serialises any thrown value; non-runtime errors become {@link INTERNAL_ERROR_CODE}. */
export function errorToWire(err: unknown): WireError {
  if (err instanceof RuntimeError) return { code: err.code, message: err.message, param: err.param }
  const message = err instanceof Error ? err.message : String(err)
  return { code: INTERNAL_ERROR_CODE, message: message.slice(0, 8_192), param: null }
}

/**
 * Rebuilds a typed error: same code, message and param, and the class that owns the code (a plain
 * `RuntimeError` for unknown codes). The constructors format their own messages, so the instance is built
 * as a `RuntimeError` carrying the original message and then given the subclass prototype.
 */
export function errorFromWire(wire: WireError): RuntimeError {
  const err = new RuntimeError(wire.code, wire.message, { param: wire.param })
  const cls = CLASSES[wire.code]
  if (cls !== undefined) {
    Object.setPrototypeOf(err, cls.prototype)
    err.name = cls.name
  }
  return err
}
