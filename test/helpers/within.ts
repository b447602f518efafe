/**
 * Bounds a wait: every test helper that waits on a socket, a process or an event settles, and a wait
 * that runs out says what it was waiting for (instead of the test runner's bare "timed out").
 */

/** Default bound of a wait on one socket answer, process exit or event (ms). */
export const DEFAULT_WAIT_MS = 60_000

/** `p`, or a rejection naming `what` once `ms` have passed. */
export function within<T>(p: Promise<T>, what: string, ms = DEFAULT_WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
