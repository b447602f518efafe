/**
 * The routing simulator's world: heterogeneous nodes serving FIFO on their slots, requests with a
 * prompt and an output length, and the state each node gossips (its load, measured speed and prefix
 * digest as of its last heartbeat). Deterministic: every random draw comes from the seeded PRNG.
 */
import { PrefixDigest } from '../../../agent/src/scheduler/prefix-digest.js'
import { xorshift32 } from '../../../native-runtime/src/gguf/gguf-writer.js'

/** Decode speed of a 1× node, per slot (tokens/s). */
export const BASE_TPS = 20
/** Prompt tokens are evaluated this many times faster than generated ones. */
export const SIM_PREFILL_SPEEDUP = 8
/**
 * How often a node's gossiped state refreshes (ms). The mesh publishes on every change, coalesced to
 * one advert per COALESCE_WINDOW_MS (100 ms); under load state changes constantly, so peers see it at
 * most this old (plus ~3 ms of gossip delivery, well under the window).
 */
export const SIM_HEARTBEAT_MS = 100
/** Latency a hop adds (ms). */
export const SIM_HOP_MS = 1

export interface SimJob {
  id: number
  arrival: number
  ingress: number
  promptTokens: number
  outputTokens: number
  /** Prompt tokens already in a node's KV when the conversation's previous turn ran there. */
  cachedTokens: number
  conversation?: number
  turn?: number
  prefixHashes: string[]
}

export interface SimNode {
  index: number
  speed: number
  slots: number
  /** When each slot becomes free (ms). */
  slotFree: number[]
  /** Finish times of jobs assigned and not yet done (for load). */
  finishes: number[]
  measuredTps: number
  /** EMA of request service time (ms), as the admission queue measures it. */
  avgServiceMs: number
  digest: PrefixDigest
  /** Conversations whose latest turn's KV this node holds, most recent last (LRU). */
  kv: number[]
  kvCapacity: number
  /** Gossiped view as of the last heartbeat. */
  advert: { at: number; load: number; tps: number; avgServiceMs: number; digest: string[] }
}

/** xorshift32: small, fast, deterministic (the tiny-model generator's). */
export const prng = xorshift32

export function makeNodes(speeds: number[], slots: number[]): SimNode[] {
  return speeds.map((speed, index) => ({
    index,
    speed,
    slots: slots[index] ?? 1,
    slotFree: Array.from({ length: slots[index] ?? 1 }, () => 0),
    finishes: [],
    measuredTps: 0,
    avgServiceMs: 0,
    digest: new PrefixDigest(),
    kv: [],
    kvCapacity: (slots[index] ?? 1) * 4,
    advert: { at: 0, load: 0, tps: 0, avgServiceMs: 0, digest: [] }
  }))
}

/** Jobs assigned and not finished at `t`. */
export function loadAt(n: SimNode, t: number): number {
  let c = 0
  for (const f of n.finishes) if (f > t) c++
  return c
}

/** Service time of a job on a node (ms). */
export function serviceMs(n: SimNode, job: SimJob, cached: number): number {
  const tps = BASE_TPS * n.speed
  return ((job.promptTokens - cached) / (tps * SIM_PREFILL_SPEEDUP) + job.outputTokens / tps) * 1000
}

/** When `job` would finish on `n` if assigned at `t` (FIFO on the earliest free slot). */
export function finishIfAssigned(n: SimNode, job: SimJob, t: number, hop: boolean): { start: number; finish: number; cached: number } {
  const cached = job.conversation !== undefined && n.kv.includes(job.conversation) ? job.cachedTokens : 0
  const free = Math.min(...n.slotFree)
  const start = Math.max(t + (hop ? SIM_HOP_MS : 0), free)
  return { start, finish: start + serviceMs(n, job, cached), cached }
}

/** Refreshes the node's gossiped advert to its latest heartbeat at or before `t`. */
export function refreshAdvert(n: SimNode, t: number): void {
  const offset = (n.index * 61) % SIM_HEARTBEAT_MS
  const tick = Math.floor((t - offset) / SIM_HEARTBEAT_MS) * SIM_HEARTBEAT_MS + offset
  if (tick <= n.advert.at || tick > t) return
  n.advert = { at: tick, load: loadAt(n, tick), tps: n.measuredTps, avgServiceMs: n.avgServiceMs, digest: [...n.digest.get('m')] }
}
