/**
 * Makes sure the child never outlives the agent.
 */
import type { EventEmitter } from 'node:events'
import { PARENT_POLL_MS } from '../constants.js'
import { processExists } from '../process-exists.js'

/** Seams for tests; the defaults are the real process. */
export interface WatchParentOptions {
  /** Called once the parent is gone. @default process.exit */
  exit?: (code: number) => void
  /** Emits `disconnect` when the IPC channel closes. @default process */
  channel?: EventEmitter
  /** Current parent pid. @default () => process.ppid */
  ppid?: () => number
  /** Poll interval (ms). @default PARENT_POLL_MS */
  pollMs?: number
}

/**
 * Exits when the parent goes away. The IPC channel closing (`disconnect`) is the primary signal and fires
 * at once when the parent dies, even by SIGKILL. Polling is the backstop: a child whose parent died is
 * reparented (its `ppid` changes), and a pid that no longer exists means the same.
 * Returns a function that stops watching.
 */
export function watchParent(parentPid: number, options: WatchParentOptions = {}): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const channel = options.channel ?? process
  const ppid = options.ppid ?? (() => process.ppid)
  let fired = false
  const gone = (): void => {
    if (fired) return
    fired = true
    stop()
    exit(0)
  }
  channel.on('disconnect', gone)
  const timer = setInterval(() => {
    if (ppid() !== parentPid || !processExists(parentPid)) gone()
  }, options.pollMs ?? PARENT_POLL_MS)
  // the IPC channel keeps the process alive; this timer must not
  timer.unref()
  const stop = (): void => {
    clearInterval(timer)
    channel.off('disconnect', gone)
  }
  return stop
}
