/**
 * A pino destination that writes JSON lines to `<dir>/llmlb.<seq>.log` and starts the next file when
 * the current one passes `maxFileBytes`, keeping the newest `maxFiles` files. Size-based rather than
 * daily: a busy node at debug level can write gigabytes a day, a quiet one kilobytes; a size bound
 * keeps the disk use of logs fixed (maxFileBytes × maxFiles) either way. Lines are buffered for one
 * event turn and written with one synchronous `write` per turn and file, so a line never lands in the
 * wrong file and rotation is exact (`pino-roll` would add a dependency for the same thing). A `kill -9`
 * loses at most the lines of the current turn.
 */
import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'

/** Default size at which a log file is closed and the next begun (bytes). */
export const DEFAULT_LOG_FILE_BYTES = 10 * 1024 * 1024
/** Default number of log files kept. */
export const DEFAULT_LOG_FILES = 10

const FILE_RE = /^llmlb\.(\d{6,})\.log$/

export interface RotatingFileInit {
  dir: string
  /** @default DEFAULT_LOG_FILE_BYTES */
  maxFileBytes?: number
  /** @default DEFAULT_LOG_FILES */
  maxFiles?: number
}

/** The log files in `dir`, oldest first. */
export function logFiles(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names
    .map((n) => ({ n, m: FILE_RE.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
    .map((x) => join(dir, x.n))
}

const fileName = (seq: number): string => `llmlb.${String(seq).padStart(6, '0')}.log`

export class RotatingFile {
  private readonly maxFileBytes: number
  private readonly maxFiles: number
  private seq: number
  private size: number
  private fd: number
  private pending: string[] = []
  private flushQueued = false

  constructor(private readonly init: RotatingFileInit) {
    this.maxFileBytes = init.maxFileBytes ?? DEFAULT_LOG_FILE_BYTES
    this.maxFiles = init.maxFiles ?? DEFAULT_LOG_FILES
    mkdirSync(init.dir, { recursive: true, mode: 0o700 })
    const newest = logFiles(init.dir).at(-1)
    const m = newest ? FILE_RE.exec(newest.slice(init.dir.length + 1)) : null
    this.seq = m ? Number(m[1]) : 1
    this.size = newest ? statSync(newest).size : 0
    // a restart continues the newest file while it has room
    if (this.size >= this.maxFileBytes) {
      this.seq++
      this.size = 0
    }
    this.fd = openSync(this.path(), 'a', 0o600)
    this.prune()
  }

  /** The file being written now. */
  path(): string {
    return join(this.init.dir, fileName(this.seq))
  }

  write(line: string): boolean {
    this.pending.push(line)
    if (!this.flushQueued) {
      this.flushQueued = true
      setImmediate(() => this.flushSync())
    }
    return true
  }

  /** Writes every buffered line now (also before exit). */
  flushSync(): void {
    this.flushQueued = false
    const lines = this.pending
    this.pending = []
    let chunk = ''
    for (const line of lines) {
      const n = Buffer.byteLength(line)
      if (this.size > 0 && this.size + n > this.maxFileBytes) {
        this.writeOut(chunk)
        chunk = ''
        this.rotate()
      }
      chunk += line
      this.size += n
    }
    this.writeOut(chunk)
  }

  private writeOut(text: string): void {
    if (!text || this.fd < 0) return
    try {
      writeSync(this.fd, text)
    } catch {
      // a full or vanished disk must not take the agent down; stdout still has the lines
    }
  }

  private rotate(): void {
    closeSync(this.fd)
    this.seq++
    this.size = 0
    this.fd = openSync(this.path(), 'a', 0o600)
    this.prune()
  }

  /** Deletes files older than the newest `maxFiles` (by sequence number). */
  private prune(): void {
    const oldestKept = this.seq - this.maxFiles + 1
    for (const f of logFiles(this.init.dir).filter((p) => Number(FILE_RE.exec(p.slice(this.init.dir.length + 1))?.[1]) < oldestKept)) {
      try {
        unlinkSync(f)
      } catch {
        // already gone
      }
    }
  }

  end(): void {
    this.flushSync()
    if (this.fd >= 0) closeSync(this.fd)
    this.fd = -1
  }
}
