/** Reconnect delays for the live event stream: exponential, capped, with jitter so browsers spread out. */

export interface BackoffInit {
  /** Delay before the first retry (ms). @default 500 */
  baseMs?: number
  /** Longest delay (ms). @default 15000 */
  maxMs?: number
  /** Source of randomness in [0, 1). @default Math.random */
  random?: () => number
}

export const BACKOFF_BASE_MS = 500
export const BACKOFF_MAX_MS = 15_000

/** Delay (ms) before retry number `attempt` (0-based): base·2^attempt capped at max, then 50–100% of that. */
export function backoffDelay(attempt: number, init: BackoffInit = {}): number {
  const base = init.baseMs ?? BACKOFF_BASE_MS
  const max = init.maxMs ?? BACKOFF_MAX_MS
  const random = init.random ?? Math.random
  const capped = Math.min(max, base * 2 ** Math.max(0, Math.min(30, attempt)))
  return Math.round(capped * (0.5 + 0.5 * random()))
}
