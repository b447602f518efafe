/**
 * When an engine is checked next. Pure and clock-free: the watcher asks with the number of failures
 * in a row. Healthy engines are checked every `intervalMs` (their load is read on the same tick);
 * a failing one is retried at once, then after doubling delays up to `maxBackoffMs`, so a dead
 * engine costs little and a restarted one is back within `maxBackoffMs`.
 */
export interface HealthTimings {
  intervalMs: number
  maxBackoffMs: number
}

export const DEFAULT_HEALTH: HealthTimings = { intervalMs: 2_000, maxBackoffMs: 30_000 }
/** The `test` profile: a dead engine leaves and comes back within a second or two. */
export const TEST_HEALTH: HealthTimings = { intervalMs: 500, maxBackoffMs: 1_000 }

export function nextCheckMs(failures: number, t: HealthTimings): number {
  if (failures <= 0) return t.intervalMs
  return Math.min(t.maxBackoffMs, 250 * 2 ** (failures - 1))
}
