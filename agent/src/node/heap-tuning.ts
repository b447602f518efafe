/**
 * V8 heap settings for a long-running node. An agent's heap holds ~40 MB of live objects (libp2p,
 * fastify, schemas, caches). Once V8's memory reducer has run (the node sat idle a few seconds after
 * start, as every node does), the heap is allowed to grow only ~1.25× past what is live; that slack is
 * smaller than the young generation, so V8 starts a new incremental mark-compact almost as soon as the
 * last one ends. Under load that was a full collection every 1–2 s, 20–35 ms of main-thread work each
 * (measured on an upload-heavy request mix: ~40 % of the agent's own CPU per request). Letting the heap
 * grow to twice its live size keeps full collections for when memory really grows; idle memory is still
 * returned by the memory reducer.
 */
import { setFlagsFromString } from 'node:v8'

/** How far past its live size the old generation may grow before a full collection (percent). */
export const HEAP_GROWING_PERCENT = 100

/** Applies the serving heap settings to this process; call once, early in `serve`. */
export function tuneHeapForServing(): void {
  // read by V8 each time it sets the next collection's limit, so it applies after start-up too
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}
