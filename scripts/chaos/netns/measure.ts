/** Pure measures of the network scenarios (no I/O). */
import type { Transition } from './boxes.js'

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] as number)
}

/**
 * Alive/dead flaps: transitions beyond those the fault explains. `expected(viewer, peer)` is the
 * sequence a view should go through (e.g. down then alive across a partition, nothing otherwise);
 * every transition past that sequence, or out of it, counts.
 */
export function extraTransitions(ts: Transition[], expected: (viewer: string, peer: string) => Transition['status'][]): number {
  const byPair = new Map<string, Transition[]>()
  for (const t of ts) byPair.set(`${t.viewer}>${t.peer}`, [...(byPair.get(`${t.viewer}>${t.peer}`) ?? []), t])
  let extra = 0
  for (const list of byPair.values()) {
    const want = expected((list[0] as Transition).viewer, (list[0] as Transition).peer)
    let k = 0
    for (const t of list) {
      if (k < want.length && want[k] === t.status) k++
      else extra++
    }
  }
  return extra
}

/** How many requests each node served, as `name: count` sorted by name. */
export function servedCounts(servedBy: (string | null)[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of servedBy) if (s) out[s] = (out[s] ?? 0) + 1
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)))
}
