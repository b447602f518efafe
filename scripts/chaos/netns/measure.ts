/** Pure measures of the network scenarios (no I/O). */
import type { Transition } from './boxes.js'

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] as number)
}

/**
 * Alive/dead flaps: transitions beyond those the fault explains. `allowed(viewer, peer)` is how many
 * transitions that view may make (2 across a partition: down, then alive; 0 otherwise). Counted, not
 * matched in order: a poll every 250 ms can miss a short `dead` that came and went.
 */
export function extraTransitions(ts: Transition[], allowed: (viewer: string, peer: string) => number): number {
  const count = new Map<string, number>()
  for (const t of ts) count.set(`${t.viewer}>${t.peer}`, (count.get(`${t.viewer}>${t.peer}`) ?? 0) + 1)
  let extra = 0
  for (const [k, n] of count) {
    const [viewer, peer] = k.split('>') as [string, string]
    extra += Math.max(0, n - allowed(viewer, peer))
  }
  return extra
}

/** How many requests each node served, as `name: count` sorted by name. */
export function servedCounts(servedBy: (string | null)[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of servedBy) if (s) out[s] = (out[s] ?? 0) + 1
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)))
}
