/**
 * Pausing and resuming what a libp2p stream reads, for a consumer that may fill up again while the
 * stream hands over what it buffered. libp2p's `resume()` first dispatches the buffered bytes (the
 * consumer's 'message' handler runs inside it) and only then marks the yamux stream as granting
 * window again. A `pause()` from inside that handler is therefore undone on return: the stream reads
 * "paused" while yamux grants window to the sender, whose bytes pile up unread until libp2p resets
 * the stream for an oversized read buffer (a worker's tunnel lost mid-load, a forwarded upload cut).
 * Here a pause asked for during a resume waits for the resume to return.
 */
import type { Stream } from '@libp2p/interface'

export class ReadGate {
  private readonly stream: Stream
  private resuming = false
  private pauseAsked = false

  constructor(stream: Stream) {
    this.stream = stream
  }

  /** Stops reading: yamux grants no more window until `resume()`. A no-op on a stream not reading. */
  pause(): void {
    if (this.resuming) this.pauseAsked = true
    else if (this.stream.readStatus === 'readable') this.stream.pause()
  }

  /** Reads again: the buffered bytes are dispatched at once, and the sender may send a window more. */
  resume(): void {
    if (this.resuming || this.stream.readStatus !== 'paused') return
    this.resuming = true
    try {
      this.stream.resume()
    } finally {
      this.resuming = false
    }
    if (this.pauseAsked) {
      this.pauseAsked = false
      this.pause()
    }
  }
}
