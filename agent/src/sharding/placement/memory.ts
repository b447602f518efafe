/**
 * What a split model needs in memory across its workers (specs/sharding.md, "Placement"): the weights
 * (the GGUF's size), the KV cache of every slot (bytes per token from the GGUF header × context ×
 * slots), and llama.cpp's compute buffers, plus a margin. Pure.
 */

/** Compute buffers llama.cpp allocates beside the weights (graph scratch, logits): a flat allowance. */
export const COMPUTE_BUFFER_BYTES = 256 * 1024 * 1024
/** Headroom on top of the estimate: allocator rounding, per-device overhead. */
export const MEMORY_MARGIN = 0.1

export interface ShardModelFacts {
  /** Bytes of the model's files (the weights). */
  sizeBytes: number
  /** KV cache bytes per token of context (ModelRecord.kvBytesPerToken; 0 when the header did not say). */
  kvBytesPerToken: number
}

export interface ShardServing {
  /** Context per slot (tokens). */
  contextSize: number
  /** Requests at once (llama-server `-np`). */
  slots: number
}

/** Bytes the workers together must have free for the model. */
export function shardNeedBytes(m: ShardModelFacts, s: ShardServing): number {
  const kv = m.kvBytesPerToken * s.contextSize * s.slots
  return Math.ceil((m.sizeBytes + kv + COMPUTE_BUFFER_BYTES) * (1 + MEMORY_MARGIN))
}

/** Bytes a single node would need to load the model by itself (its native runtime: weights + KV). */
export function wholeNeedBytes(m: ShardModelFacts, s: ShardServing): number {
  return m.sizeBytes + m.kvBytesPerToken * s.contextSize * s.slots
}
