/**
 * Public surface of the native runtime: the contracts, the typed errors, the llama.cpp implementation,
 * the tiny-model generator, and the defaults callers may want to show or reuse.
 */
export type * from './interfaces.js'
export * from './errors.js'
export { LlamaCppRuntime, INVALID_REQUEST_CODE, type LlamaCppRuntimeComponents, type LlamaCppRuntimeInit } from './llama-cpp-runtime.js'
export { buildTinyGguf, buildTinyGgufSplits, writeTinyGguf, type TinyGgufOptions } from './gguf/tiny-gguf.js'
export { defaultThreads } from './threads.js'
export { processExists } from './process-exists.js'
export { makeScratchDir } from './scratch-dir.js'
export {
  CHILD_START_TIMEOUT_MS,
  DEFAULT_CONTEXT_SIZE,
  DEFAULT_SLOTS,
  DEFAULT_TEMPERATURE,
  RESTART_BACKOFF_MAX_MS,
  RESTART_BACKOFF_MS,
  STOP_TIMEOUT_MS,
  TPS_EMA_ALPHA
} from './constants.js'
export { capabilitiesOf, EMBEDDING_ONLY_ARCHITECTURES } from './model-capabilities.js'
/** The zod schema of a model's capabilities (the runtime's wire type; the model store keeps the same). */
export { modelCapabilitiesSchema } from './protocol.js'
export { MultiKindRuntime, type MultiKindRuntimeInit } from './multi-kind-runtime.js'
export { type ChildKind } from './child-entry.js'
export { buildTinyMmproj, writeTinyMmproj, type TinyMmprojOptions } from './gguf/tiny-mmproj.js'
export * from './audio/index.js'
