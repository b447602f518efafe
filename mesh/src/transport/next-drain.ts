/**
 * Waiting for a libp2p stream to drain. Not `stream.onDrain()`: libp2p 3 keeps its first drain promise,
 * resolved, for every later call, so a writer awaiting it a second time never waits and back-pressure
 * is lost (a bulk write then piles up in the send queue). Each 'drain' event is awaited instead.
 */
import type { Stream, StreamCloseEvent } from '@libp2p/interface'

/** The stream's next 'drain' event; rejects when it closes first (`closed()`'s error) or `signal` aborts. */
export function nextDrain(stream: Stream, signal: AbortSignal | undefined, closed: () => Error): Promise<void> {
  const { promise, resolve, reject } = Promise.withResolvers<void>()
  const done = (): void => {
    stream.removeEventListener('drain', onDrain)
    stream.removeEventListener('close', onClose)
    signal?.removeEventListener('abort', onAbort)
  }
  const onDrain = (): void => { done(); resolve() }
  const onClose = (evt: StreamCloseEvent): void => { done(); reject(evt.error ?? closed()) }
  const onAbort = (): void => { done(); reject(signal?.reason) }
  if (signal?.aborted === true) return Promise.reject(signal.reason)
  if (stream.status !== 'open') return Promise.reject(closed())
  stream.addEventListener('drain', onDrain)
  stream.addEventListener('close', onClose)
  signal?.addEventListener('abort', onAbort)
  return promise
}
