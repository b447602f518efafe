/**
 * Reads the newest log lines that match a query: first from the in-memory ring (the lines of this
 * process), then — only when more are needed — backwards through the log files, newest file first,
 * in 64 KiB chunks, stopping at the limit, at `since`, or after `maxScanBytes`. Never reads a file
 * front to back.
 */
import { open } from 'node:fs/promises'
import type { LogRing } from './log-ring.js'
import { logFiles } from './rotating-file.js'

/** Most bytes of files read for one query. */
export const LOG_SCAN_BYTES = 16 * 1024 * 1024
/** Bytes read per step when scanning a file backwards. */
const CHUNK_BYTES = 64 * 1024

/** pino's numeric levels by name. */
export const LOG_LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }
const LEVEL_NAMES = new Map(Object.entries(LOG_LEVELS).map(([n, v]) => [v, n]))

export interface LogQuery {
  /** Lowest numeric level returned. */
  minLevel?: number
  /** Oldest time returned (ms since the epoch). */
  since?: number
  limit: number
  /** Case-insensitive substring of the raw line. */
  q?: string
}

/** One log line, parsed; `level` as a name. */
export interface LogEntry {
  time: number
  level: string
  msg?: string
  [field: string]: unknown
}

export interface LogSource {
  /** Matching lines, oldest first (the newest `limit`). */
  query(q: LogQuery): Promise<LogEntry[]>
}

export interface LogTailInit {
  ring?: LogRing
  /** Folder of the rotating log files. */
  dir?: string
  /** @default LOG_SCAN_BYTES */
  maxScanBytes?: number
}

type Verdict = 'take' | 'skip' | 'stop'

export class LogTail implements LogSource {
  constructor(private readonly init: LogTailInit) {}

  async query(q: LogQuery): Promise<LogEntry[]> {
    const out: LogEntry[] = []
    const needle = q.q?.toLowerCase()
    /** Parses and filters one line; `time` is returned even for lines not taken. */
    const judge = (line: string): { v: Verdict; e?: LogEntry; time?: number } => {
      let e: { time?: unknown; level?: unknown }
      try {
        e = JSON.parse(line) as { time?: unknown; level?: unknown }
      } catch {
        return { v: 'skip' }
      }
      const time = typeof e.time === 'number' ? e.time : 0
      if (q.since !== undefined && time < q.since) return { v: 'stop', time }
      const level = typeof e.level === 'number' ? e.level : 30
      if ((q.minLevel !== undefined && level < q.minLevel) || (needle && !line.toLowerCase().includes(needle))) return { v: 'skip', time }
      return { v: 'take', e: { ...e, time, level: LEVEL_NAMES.get(level) ?? String(level) } as LogEntry, time }
    }
    const ring = this.init.ring?.lines() ?? []
    let oldestInRing: number | undefined
    for (let i = ring.length - 1; i >= 0 && out.length < q.limit; i--) {
      const { v, e, time } = judge(ring[i] as string)
      oldestInRing = time ?? oldestInRing
      if (v === 'stop') return out.reverse()
      if (e) out.push(e)
    }
    // the files also hold earlier runs; they hold the ring's lines too, so only strictly older ones count
    if (out.length < q.limit && this.init.dir) await this.scanFiles(judge, out, q.limit, oldestInRing)
    return out.reverse()
  }

  private async scanFiles(judge: (line: string) => { v: Verdict; e?: LogEntry }, out: LogEntry[], limit: number, before: number | undefined): Promise<void> {
    let budget = this.init.maxScanBytes ?? LOG_SCAN_BYTES
    for (const file of logFiles(this.init.dir as string).reverse()) {
      for await (const line of readLinesBackwards(file, () => budget, (n) => (budget -= n))) {
        if (before !== undefined) {
          const t = /"time":(\d+)/.exec(line)
          if (t && Number(t[1]) >= before) continue
        }
        const { v, e } = judge(line)
        if (v === 'stop') return
        if (e) out.push(e)
        if (out.length >= limit) return
      }
      if (budget <= 0) return
    }
  }
}

/** Lines of `file`, last first, reading chunks from the end while `budget()` allows. */
export async function* readLinesBackwards(file: string, budget: () => number, spend: (n: number) => void): AsyncGenerator<string> {
  let fh
  try {
    fh = await open(file, 'r')
  } catch {
    return
  }
  try {
    let pos = (await fh.stat()).size
    // bytes of a line that started in an earlier (not yet read) chunk; kept as bytes so a UTF-8
    // character split across chunks decodes whole
    let carry = Buffer.alloc(0)
    while (pos > 0 && budget() > 0) {
      const n = Math.min(CHUNK_BYTES, pos)
      pos -= n
      const buf = Buffer.alloc(n)
      await fh.read(buf, 0, n, pos)
      spend(n)
      const all = Buffer.concat([buf, carry])
      const firstNl = all.indexOf(10)
      if (firstNl < 0) {
        carry = all
        continue
      }
      carry = all.subarray(0, firstNl)
      const lines = all.subarray(firstNl + 1).toString('utf8').split('\n')
      for (let i = lines.length - 1; i >= 0; i--) if (lines[i]) yield lines[i] as string
    }
    if (pos === 0 && carry.length > 0) yield carry.toString('utf8')
  } finally {
    await fh.close()
  }
}
