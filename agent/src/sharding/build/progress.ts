/**
 * Progress of a compile from its output lines (pure): ninja prints `[n/m] Building …`, make prints
 * `[ 42%] Building …`. Other lines (warnings, cmake's own) carry no progress.
 */

export interface BuildProgress {
  /** 0..1 */
  fraction: number
  /** Steps done and in all when the tool says (ninja); absent for make's percentages. */
  done?: number
  total?: number
}

const NINJA = /^\[(\d+)\/(\d+)\]/
const MAKE = /^\[\s*(\d{1,3})%\]/

export function parseProgress(line: string): BuildProgress | undefined {
  const n = NINJA.exec(line)
  if (n) {
    const done = Number(n[1])
    const total = Number(n[2])
    if (total <= 0 || done > total) return undefined
    return { fraction: done / total, done, total }
  }
  const m = MAKE.exec(line)
  if (m) {
    const pct = Number(m[1])
    return pct <= 100 ? { fraction: pct / 100 } : undefined
  }
  return undefined
}
