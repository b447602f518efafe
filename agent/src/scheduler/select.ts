/**
 * Ranks the nodes that can serve a request. Pure: same input and random source, same output.
 *
 * Order: nodes with a free slot first, fastest expected start then most free capacity; then nodes
 * that would queue, by load relative to their slots. This node wins ties with a free slot (no hop).
 * Ties among peers are broken at random so equal peers share the load.
 */
import type { Candidate } from './candidates.js'

export interface Ranked {
  candidates: Candidate[]
  /** Why the first candidate was chosen, for `x-llmlb-route-reason`. */
  reason: 'only-holder' | 'local-free-slot' | 'least-loaded' | 'queued'
}

const free = (c: Candidate): number => c.slotsTotal - c.slotsBusy - c.queueDepth
const load = (c: Candidate): number => (c.slotsBusy + c.queueDepth) / Math.max(1, c.slotsTotal)

export function rankCandidates(all: Candidate[], random: () => number = Math.random): Ranked {
  if (all.length <= 1) return { candidates: all, reason: 'only-holder' }
  const keyed = all.map((c) => ({ c, tie: random() }))
  keyed.sort((a, b) => {
    const fa = free(a.c) > 0 ? 1 : 0
    const fb = free(b.c) > 0 ? 1 : 0
    if (fa !== fb) return fb - fa
    if (fa === 1) {
      const sa = a.c.target === 'self' ? 1 : 0
      const sb = b.c.target === 'self' ? 1 : 0
      if (sa !== sb) return sb - sa
    }
    const la = load(a.c)
    const lb = load(b.c)
    if (la !== lb) return la - lb
    return a.tie - b.tie
  })
  const candidates = keyed.map((k) => k.c)
  const head = candidates[0] as Candidate
  const reason = free(head) <= 0 ? 'queued' : head.target === 'self' ? 'local-free-slot' : 'least-loaded'
  return { candidates, reason }
}
