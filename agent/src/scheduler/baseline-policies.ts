/**
 * Alternative routing policies, for benchmarks and comparisons only (`routing.policy` in
 * `<data-dir>/config.json`; the default `llmlb` is `rankCandidates` in select.ts). Each is a pure
 * function over the same candidates and returns the same shape as `rankCandidates`: the chosen node
 * first, then the failover order, with a reason naming the policy. `costMs` in `scored` is the
 * policy's own sort key (lower ranks first), not a time.
 *
 * - round-robin: this ingress's counter picks the next node in a stable order (by node name);
 * - random: uniform;
 * - tps-argmax: the original llmlb: highest tokens/s wins, never measured counts as 0, ties go to the
 *   first candidate (this node), so a node that has not served yet is starved;
 * - least-in-flight: fewest requests running or queued (as this ingress sees them), random tie-break.
 */
import type { Candidate } from './candidates.js'
import { rankCandidates, type Ranked, type RouteReason, type RoutingTask, type Scored } from './select.js'

export const ROUTING_POLICIES = ['llmlb', 'round-robin', 'random', 'tps-argmax', 'least-in-flight'] as const
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number]
export type BaselinePolicy = Exclude<RoutingPolicy, 'llmlb'>

/** `Ranked` whose reason may also name a baseline policy. */
export interface PolicyRanked extends Omit<Ranked, 'reason'> {
  reason: RouteReason | BaselinePolicy
}

function ranked(ordered: Scored[], reason: BaselinePolicy): PolicyRanked {
  return { candidates: ordered.map((s) => s.candidate), reason, scored: ordered }
}

/** A stable order independent of how candidates were collected: by node name, then target. */
function stable(all: Candidate[]): Candidate[] {
  return [...all].sort((a, b) => (a.nodeName < b.nodeName ? -1 : a.nodeName > b.nodeName ? 1 : a.target < b.target ? -1 : a.target > b.target ? 1 : 0))
}

/** The `turn`-th node (mod the count) in the stable order, then the following ones as failover. */
export function roundRobinRank(all: Candidate[], turn: number): PolicyRanked {
  const order = stable(all)
  const n = order.length
  const start = n === 0 ? 0 : ((Math.floor(turn) % n) + n) % n
  const ordered = order.map((_, i) => order[(start + i) % n] as Candidate).map((candidate, i) => ({ candidate, costMs: i }))
  return ranked(ordered, 'round-robin')
}

/** A uniformly random order (Fisher–Yates). */
export function randomRank(all: Candidate[], random: () => number = Math.random): PolicyRanked {
  const a = [...all]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[a[i], a[j]] = [a[j] as Candidate, a[i] as Candidate]
  }
  return ranked(
    a.map((candidate, i) => ({ candidate, costMs: i })),
    'random'
  )
}

/** Highest measured tokens/s first; unmeasured = 0; ties keep the candidates' order (the first wins). */
export function tpsArgmaxRank(all: Candidate[]): PolicyRanked {
  const tps = (c: Candidate): number => (c.tokensPerSecond > 0 ? c.tokensPerSecond : 0)
  // Array.prototype.sort is stable: equal speeds keep their order, so ties go to the first
  const ordered = all.map((candidate) => ({ candidate, costMs: -tps(candidate) })).sort((a, b) => a.costMs - b.costMs)
  return ranked(ordered, 'tps-argmax')
}

/** Fewest requests running or queued first; equal loads in random order. */
export function leastInFlightRank(all: Candidate[], random: () => number = Math.random): PolicyRanked {
  const shuffled = randomRank(all, random).candidates
  const ordered = shuffled.map((candidate) => ({ candidate, costMs: candidate.load })).sort((a, b) => a.costMs - b.costMs)
  return ranked(ordered, 'least-in-flight')
}

/** Ranks candidates for one request; stateful only for round-robin's counter. */
export type Ranker = (all: Candidate[], task: RoutingTask) => PolicyRanked

/**
 * The ranking function of a policy, as one ingress uses it: round-robin keeps its own counter (one
 * per ranker, so one per node), the others are stateless.
 */
export function createRanker(policy: RoutingPolicy, random: () => number = Math.random): Ranker {
  switch (policy) {
    case 'llmlb':
      return (all, task) => rankCandidates(all, task, random)
    case 'round-robin': {
      let turn = 0
      return (all) => roundRobinRank(all, turn++)
    }
    case 'random':
      return (all) => randomRank(all, random)
    case 'tps-argmax':
      return (all) => tpsArgmaxRank(all)
    case 'least-in-flight':
      return (all) => leastInFlightRank(all, random)
  }
}
