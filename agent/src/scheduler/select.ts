/**
 * Chooses where a request runs. Pure: the same candidates, task and random source give the same answer.
 *
 * Each candidate gets an expected finish time (ms):
 *
 *   speed   = its tokens/s EMA, or — never measured (new or recovered node) — the best measured
 *             speed: optimism in the face of uncertainty, so it gets requests until it has measured
 *             itself (exploration) and is priced by what it really does from then on. A speed measured
 *             on few requests is still uncertain (one request timed during a stall reads several times
 *             too slow, and a node priced out by it would never serve again to correct it), so after n
 *             requests served the gap to the best measured speed is closed by 1/(1+n): the optimism
 *             fades as the evidence grows (see pricedSpeed)
 *   decode  = expectedTokens / speed
 *   prefill = promptTokens × (1 − prefixMatch) / (speed × PREFILL_SPEEDUP)   — affinity pays off here
 *   wait    = 0 with a free slot, else (load − slots + 1) / slots × service   — queueing behind others,
 *             where service is the node's measured average request time (gossiped), or this
 *             request's decode estimate when the node has not measured one yet
 *   cost    = wait + prefill + decode + (remote ? HOP_COST_MS + rtt : 0) + (loaded ? 0 : coldLoadMs)
 *             where rtt is the measured round trip to the peer (the mesh's pings): a slow or lossy
 *             link costs what it adds to every request sent over it
 *             where coldLoadMs is the node's estimate (size / measured disk speed), else COLD_LOAD_MS
 *
 * The cheapest wins; candidates within TIE_EPSILON of it are tied (those with a free slot first) and
 * the cheaper of two drawn at random is taken (so
 * several ingress nodes with the same stale view do not all pile onto one node, the failure of
 * "least-busy" routers). This node wins a tie while it has a free slot (no hop). Stale peers (state
 * older than STALE_AFTER_MS) are used only when nothing fresh can serve. Prefix affinity is only a
 * term of the cost, so it yields to load by construction: a busy affine node's wait outgrows its saving.
 */
import type { Candidate } from './candidates.js'

/** Tokens assumed for a request without max_tokens. */
export const DEFAULT_EXPECTED_TOKENS = 256
/** Prompt evaluation runs this many times faster than generation per token (batch prefill). */
export const PREFILL_SPEEDUP = 8
/** Cost of one mesh hop (ms): stream open + framing, measured ~1 ms, kept conservative. */
export const HOP_COST_MS = 2
/** Penalty for a node that would first have to load the model, when it gave no estimate (ms). */
export const COLD_LOAD_MS = 10_000
/** Relative cost difference under which candidates are tied. */
export const TIE_EPSILON = 0.3
/** Peer state older than this is not trusted when fresher candidates exist (ms). */
export const STALE_AFTER_MS = 3_000
/**
 * Cost differences up to this (ms) are below what the inputs can tell apart: round trips pinged with
 * ms granularity under event-loop lag, stale loads. Two drawn candidates this close are equal, and the
 * less loaded (else either) wins the draw; otherwise a 5 vs 8 ms round trip would decide every draw
 * between two equal holders and starve one of them.
 */
export const COST_NOISE_MS = 10
/** Speed assumed when no candidate has ever been measured (tokens/s). */
export const PRIOR_TOKENS_PER_SECOND = 50

export type RouteReason = 'only-holder' | 'local-free-slot' | 'least-loaded' | 'prefix-affinity' | 'exploration' | 'cold-load'

/** What selection needs to know about the request. */
export interface RoutingTask {
  expectedTokens: number
  promptTokens: number
}

export interface Scored {
  candidate: Candidate
  costMs: number
}

export interface Ranked {
  candidates: Candidate[]
  reason: RouteReason
  /** Costs in rank order, for explanations and tests. */
  scored: Scored[]
}

/**
 * The speed `c` is priced at: its measured speed, pulled toward `priorTps` (the best measured) by
 * 1/(1+served) when the node says how many requests the figure rests on. A node that omits the count
 * (an older agent, an engine, a cloud) is taken at its word.
 */
export function pricedSpeed(c: Candidate, priorTps: number): number {
  if (c.tokensPerSecond <= 0) return priorTps
  if (c.served === undefined || c.tokensPerSecond >= priorTps) return c.tokensPerSecond
  return c.tokensPerSecond + (priorTps - c.tokensPerSecond) / (1 + c.served)
}

/** Expected finish time of `task` on `c` (ms). */
export function expectedFinishMs(c: Candidate, task: RoutingTask, priorTps: number, usePrefix = true): number {
  const speed = pricedSpeed(c, priorTps)
  const decode = (task.expectedTokens / speed) * 1000
  const match = usePrefix ? c.prefixMatch : 0
  const prefill = ((task.promptTokens * (1 - match)) / (speed * PREFILL_SPEEDUP)) * 1000
  const slots = Math.max(1, c.slotsTotal)
  const service = c.avgServiceMs && c.avgServiceMs > 0 ? c.avgServiceMs : decode
  const wait = c.load < slots ? 0 : ((c.load - slots + 1) / slots) * service
  return wait + prefill + decode + (c.target === 'self' ? 0 : HOP_COST_MS + (c.rttMs ?? 0)) + (c.loaded ? 0 : (c.coldLoadMs ?? COLD_LOAD_MS))
}

export function rankCandidates(all: Candidate[], task: RoutingTask, random: () => number = Math.random): Ranked {
  const fresh = all.filter((c) => c.stateAgeMs <= STALE_AFTER_MS)
  const pool = fresh.length > 0 ? fresh : all
  const measured = pool.filter((c) => c.tokensPerSecond > 0).map((c) => c.tokensPerSecond)
  const prior = measured.length > 0 ? Math.max(...measured) : PRIOR_TOKENS_PER_SECOND
  const scored = pool.map((candidate) => ({ candidate, costMs: expectedFinishMs(candidate, task, prior) })).sort((a, b) => a.costMs - b.costMs)
  const stale = all.filter((c) => !pool.includes(c)).map((candidate) => ({ candidate, costMs: Infinity }))
  if (scored.length === 0) return { candidates: [], reason: 'only-holder', scored: [] }
  const best = (scored[0] as Scored).costMs
  const near = scored.filter((s) => s.costMs <= best * (1 + TIE_EPSILON))
  // among near-ties, one that can start at once beats one that would queue
  const free = near.filter((s) => s.candidate.load < s.candidate.slotsTotal)
  const tied = free.length > 0 ? free : near
  const self = tied.find((s) => s.candidate.target === 'self' && s.candidate.load < s.candidate.slotsTotal)
  const chosen = self ?? twoChoices(tied, random)
  const rest = scored.filter((s) => s !== chosen)
  const ordered = [chosen, ...rest, ...stale]
  return { candidates: ordered.map((s) => s.candidate), reason: reasonFor(chosen, scored, all.length, task, prior), scored: ordered }
}

function reasonFor(chosen: Scored, scored: Scored[], holders: number, task: RoutingTask, prior: number): RouteReason {
  const c = chosen.candidate
  // the request waits for a load: say so whatever else held
  if (!c.loaded) return 'cold-load'
  if (holders <= 1) return 'only-holder'
  if (c.prefixMatch > 0) {
    // would it have won without its prefix? if not, affinity decided
    const without = expectedFinishMs(c, task, prior, false)
    const others = scored.filter((s) => s !== chosen).map((s) => s.costMs)
    if (others.length > 0 && without >= Math.min(...others)) return 'prefix-affinity'
  }
  if (c.target === 'self' && c.load < c.slotsTotal) return 'local-free-slot'
  if (c.tokensPerSecond === 0) return 'exploration'
  return 'least-loaded'
}

/**
 * Power of two choices among the tied: two at random, the cheaper wins (spreads load, keeps bias to
 * cheap); within COST_NOISE_MS of each other, the less loaded, else a coin.
 */
function twoChoices(tied: Scored[], random: () => number): Scored {
  const a = tied[Math.floor(random() * tied.length)] as Scored
  const b = tied[Math.floor(random() * tied.length)] as Scored
  if (Math.abs(a.costMs - b.costMs) > COST_NOISE_MS) return a.costMs < b.costMs ? a : b
  if (a.candidate.load !== b.candidate.load) return a.candidate.load < b.candidate.load ? a : b
  return random() < 0.5 ? a : b
}
