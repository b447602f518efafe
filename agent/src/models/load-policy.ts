/**
 * Pure rules of the load policy: what a model needs in memory, what to unload to make room (least
 * recently used idle models first), which models have been idle past their keep-alive, and how long a
 * cold load is expected to take from the model's size and the measured disk speed.
 */

/** Disk read speed assumed before the first load is measured (bytes/s). */
export const PRIOR_DISK_BYTES_PER_SECOND = 400 * 1024 * 1024
/** Weight of a new load's measured speed in the running average. */
export const DISK_SPEED_EMA_ALPHA = 0.3
/** Fixed part of any load (child IPC, context creation), added to the read time (ms). */
export const LOAD_OVERHEAD_MS = 300
/** Share of the weights size counted again for compute buffers and runtime overhead. */
export const COMPUTE_OVERHEAD = 0.1

/**
 * Memory a model takes loaded (bytes): its weights, plus COMPUTE_OVERHEAD of them, plus the KV cache
 * of every slot (`kvBytesPerToken` × context × slots; f16 keys and values, from the GGUF header).
 */
export function estimateMemoryBytes(sizeBytes: number, kvBytesPerToken: number, contextSize: number, slots: number): number {
  return Math.ceil(sizeBytes * (1 + COMPUTE_OVERHEAD) + kvBytesPerToken * contextSize * slots)
}

/** A loaded model as the policy sees it. */
export interface LoadedModel {
  id: string
  bytes: number
  /** Last time a request used it (ms since epoch). */
  lastUsed: number
  /** Requests running or queued on it now. */
  busy: number
}

/**
 * Ids to unload, least recently used first, so `needBytes` fits under `budgetBytes` next to what
 * stays loaded; only idle models may go. `[]` when it already fits; null when even unloading every
 * idle model would not make room.
 */
export function evictionsFor(loaded: LoadedModel[], needBytes: number, budgetBytes: number): string[] | null {
  let used = loaded.reduce((s, m) => s + m.bytes, 0)
  if (used + needBytes <= budgetBytes) return []
  const out: string[] = []
  for (const m of [...loaded].filter((x) => x.busy === 0).sort((a, b) => a.lastUsed - b.lastUsed)) {
    out.push(m.id)
    used -= m.bytes
    if (used + needBytes <= budgetBytes) return out
  }
  return null
}

/** Loaded models idle past their keep-alive (ms; 0 = never unloaded). */
export function idleExpired(loaded: LoadedModel[], keepAliveMs: (id: string) => number, now: number): string[] {
  return loaded.filter((m) => m.busy === 0 && keepAliveMs(m.id) > 0 && now - m.lastUsed >= keepAliveMs(m.id)).map((m) => m.id)
}

/** Expected time to load a model of `sizeBytes` (ms). */
export function coldLoadMs(sizeBytes: number, diskBytesPerSecond: number): number {
  return Math.round(LOAD_OVERHEAD_MS + (sizeBytes / Math.max(1, diskBytesPerSecond)) * 1000)
}

/** The disk speed average after a load of `sizeBytes` took `ms` (loads under 50 ms say nothing: page cache). */
export function nextDiskSpeed(current: number, sizeBytes: number, ms: number): number {
  const readMs = ms - LOAD_OVERHEAD_MS
  if (readMs < 50) return current
  return current * (1 - DISK_SPEED_EMA_ALPHA) + ((sizeBytes * 1000) / readMs) * DISK_SPEED_EMA_ALPHA
}
