/**
 * One forward attempt's watchdog. Its signal (handed to the mesh's forward) aborts when the client
 * leaves, when membership declares the peer dead (before or during the response), or when the peer
 * sends nothing — not even its response head — within the head bound. Aborting resets the forward
 * stream: the peer, if it ever runs again, sees the reset and stops the abandoned work.
 */
import { PeerGoneError } from './peer-gone.js'
import type { PeerDeathWatch } from './death-watch.js'

export interface AttemptGuard {
  readonly signal: AbortSignal
  /** Why the attempt was given up, when it was (not set when the client left). */
  readonly gone: PeerGoneError | undefined
  /** The response head arrived: the silence bound no longer applies (the death watch still does). */
  headArrived(): void
  /** The attempt is over, however it ended. Idempotent. */
  end(): void
}

export interface GuardTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const realTimers: GuardTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout)
}

export function guardAttempt(parent: AbortSignal, peerId: string, boundMs: number, deaths: PeerDeathWatch | undefined, timers: GuardTimers = realTimers): AttemptGuard {
  const controller = new AbortController()
  let gone: PeerGoneError | undefined
  const giveUp = (err: PeerGoneError): void => {
    if (controller.signal.aborted) return
    gone = err
    controller.abort(err)
  }
  const onParent = (): void => controller.abort(parent.reason)
  if (parent.aborted) onParent()
  else parent.addEventListener('abort', onParent, { once: true })
  let timer: unknown = timers.setTimeout(() => giveUp(new PeerGoneError(peerId, 'silent', boundMs)), boundMs)
  const unwatch = deaths?.watch(peerId, () => giveUp(new PeerGoneError(peerId, 'dead'))) ?? (() => {})
  const clear = (): void => {
    if (timer !== undefined) timers.clearTimeout(timer)
    timer = undefined
  }
  return {
    signal: controller.signal,
    get gone() {
      return gone
    },
    headArrived: clear,
    end() {
      clear()
      unwatch()
      parent.removeEventListener('abort', onParent)
    }
  }
}
