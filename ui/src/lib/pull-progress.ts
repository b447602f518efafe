/** Figures of a pull for the dashboard: bytes done of total, percent, time left. Pure. */
import type { PullState } from '../api/types.js'

export interface PullFigures {
  done: number
  total: number
  /** 0..1 */
  fraction: number
  /** Seconds left at the current rate; null when unknown. */
  etaSeconds: number | null
}

export function pullFigures(p: PullState): PullFigures {
  const total = p.files.reduce((s, f) => s + f.size, 0)
  const done = p.files.reduce((s, f) => s + f.received, 0)
  const left = total - done
  return {
    done,
    total,
    fraction: total > 0 ? Math.min(1, done / total) : 0,
    etaSeconds: p.state === 'downloading' && p.bytesPerSecond > 0 ? Math.ceil(left / p.bytesPerSecond) : null
  }
}
