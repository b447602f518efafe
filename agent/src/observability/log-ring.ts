/**
 * The newest log lines in memory, bounded by count and by bytes: the fast path of the log tail API.
 * A pino destination (it receives each serialized line through `write`).
 */

/** Lines kept. */
export const LOG_RING_LINES = 5000
/** Bytes kept (UTF-16 length, close enough for a bound). */
export const LOG_RING_BYTES = 4 * 1024 * 1024

export interface LogRingInit {
  /** @default LOG_RING_LINES */
  maxLines?: number
  /** @default LOG_RING_BYTES */
  maxBytes?: number
}

export class LogRing {
  private readonly buf: (string | undefined)[]
  private start = 0
  private count = 0
  private bytes = 0
  private dropped = false
  private readonly maxBytes: number

  constructor(init: LogRingInit = {}) {
    this.buf = new Array<string | undefined>(init.maxLines ?? LOG_RING_LINES)
    this.maxBytes = init.maxBytes ?? LOG_RING_BYTES
  }

  write(line: string): boolean {
    const cap = this.buf.length
    if (this.count === cap) this.dropOldest()
    this.buf[(this.start + this.count) % cap] = line
    this.count++
    this.bytes += line.length
    while (this.bytes > this.maxBytes && this.count > 1) this.dropOldest()
    return true
  }

  private dropOldest(): void {
    const line = this.buf[this.start]
    this.bytes -= line?.length ?? 0
    this.buf[this.start] = undefined
    this.start = (this.start + 1) % this.buf.length
    this.count--
    this.dropped = true
  }

  /** Lines oldest first. */
  lines(): string[] {
    const out: string[] = []
    for (let i = 0; i < this.count; i++) out.push(this.buf[(this.start + i) % this.buf.length] as string)
    return out
  }

  /** True once a line was dropped: older lines exist only in the files. */
  hasDropped(): boolean {
    return this.dropped
  }
}
