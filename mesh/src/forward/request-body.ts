/**
 * A forwarded request body read as a stream by the serving side (streamed paths: uploads). The
 * handler iterates it while the DATA frames arrive; the FrameChannel pauses the stream while the
 * handler does not read, so at most its read-ahead plus the muxer's window is held here.
 *
 * The checks of a buffered body hold for a streamed one: exactly `byteLength` bytes in DATA frames (a
 * shorter body followed by another frame, or a longer one, is a violation), within a deadline. A
 * violation fails the iteration and calls `onViolation`, and the server drops the stream.
 */
import type { ForwardBodyStream } from '../interfaces.js'
import type { FrameChannel } from './frame-channel.js'

export class StreamedRequestBody implements ForwardBodyStream {
  readonly byteLength: number
  private received = 0
  private iterated = false
  /** Set once the caller broke the protocol or the deadline passed. */
  violation: string | undefined
  private readonly controller = new AbortController()
  private readonly timer: NodeJS.Timeout

  /**
   * @param deadlineMs the whole body must have arrived by then (from now)
   * @param abort the exchange's signal: the caller went away
   */
  constructor(private readonly channel: FrameChannel, byteLength: number, deadlineMs: number, abort: AbortSignal, private readonly onViolation: (why: string) => void) {
    this.byteLength = byteLength
    this.timer = setTimeout(() => this.violate(`the request body did not arrive within ${deadlineMs} ms`), deadlineMs)
    const onAbort = (): void => this.controller.abort(abort.reason)
    if (abort.aborted) onAbort()
    else abort.addEventListener('abort', onAbort, { once: true })
    if (byteLength === 0) clearTimeout(this.timer)
  }

  /** Whether every announced byte arrived. */
  get complete(): boolean {
    return this.received === this.byteLength
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.iterated) throw new Error('a forwarded request body can be read once')
    this.iterated = true
    while (!this.complete) yield await this.next()
  }

  /** Reads and discards what the handler left unread. Returns false when the body broke the protocol. */
  async drain(): Promise<boolean> {
    try {
      while (!this.complete) await this.next()
    } catch {
      return false
    }
    return this.violation === undefined
  }

  /** Stops the deadline (the exchange is over). */
  dispose(): void {
    clearTimeout(this.timer)
  }

  private async next(): Promise<Uint8Array> {
    if (this.violation !== undefined) throw new Error(this.violation)
    const frame = await this.channel.read({ signal: this.controller.signal })
    if (frame.type !== 'data' || this.received + frame.data.byteLength > this.byteLength) {
      this.violate('the request body does not match its bodyLength')
      throw new Error(this.violation)
    }
    this.received += frame.data.byteLength
    if (this.complete) clearTimeout(this.timer)
    return frame.data
  }

  private violate(why: string): void {
    if (this.violation !== undefined) return
    this.violation = why
    clearTimeout(this.timer)
    this.controller.abort(new Error(why))
    this.onViolation(why)
  }
}
