/**
 * The default number of llama.cpp evaluation threads for this machine.
 */
import { availableParallelism } from 'node:os'
import { MAX_DEFAULT_THREADS } from './constants.js'

/**
 * Threads for llama.cpp contexts, from the number of logical cores (default: `os.availableParallelism()`).
 *
 * - 1 thread on machines with 2 cores or fewer. The agent's event loop (HTTP, libp2p, IPC) needs a core,
 *   and llama.cpp threads spin-wait on each other: on the 2-core CI box a tiny model decodes ~20x faster
 *   with 1 thread than with 2 (1,568 vs 78 tokens/s, research/spike.md §3).
 * - Otherwise `cores - 1`, leaving one core to the agent, capped at {@link MAX_DEFAULT_THREADS} because
 *   CPU decoding is bound by memory bandwidth and more threads only add contention.
 *
 * GPU offload makes the number matter little, so the same rule is used there.
 */
export function defaultThreads(cores: number = availableParallelism()): number {
  if (!Number.isFinite(cores) || cores <= 2) return 1
  return Math.min(Math.floor(cores) - 1, MAX_DEFAULT_THREADS)
}
