/**
 * How long a forwarded request may wait for its peer's first response byte before it is given up on
 * that peer (a gray failure: the peer heartbeats, or has not been declared dead yet, but answers
 * nothing). Pure.
 *
 * The head of a streamed answer leaves the serving node once the prompt is evaluated, so the expected
 * time to the head is queue wait + prefill, both from the peer's gossiped measurements (the same terms
 * routing prices, specs/routing.md). A non-streamed answer's head leaves with the whole answer, so its
 * bound also covers the decode of every token it may produce (max_tokens, else the context length):
 * a long legitimate answer is never cut. The bound is `factor ×` that estimate, never below `floorMs`.
 */
import type { Candidate } from '../../scheduler/candidates.js'
import { PREFILL_SPEEDUP, PRIOR_TOKENS_PER_SECOND } from '../../scheduler/select.js'

export interface HeadBoundPolicy {
  /** No bound is shorter (ms). */
  floorMs: number
  /** Multiple of the expected time to the head. */
  factor: number
}

export interface HeadBoundTask {
  promptTokens: number
  /** The request's max_tokens, when it set one. */
  maxTokens?: number
  stream: boolean
}

/** The bound in ms for `task` on `cand`. */
export function headBoundMs(cand: Candidate, task: HeadBoundTask, policy: HeadBoundPolicy): number {
  // a node that never measured itself is priced at the prior speed: the floor usually decides then
  const speed = cand.tokensPerSecond > 0 ? cand.tokensPerSecond : PRIOR_TOKENS_PER_SECOND
  const prefill = (task.promptTokens / (speed * PREFILL_SPEEDUP)) * 1000
  const slots = Math.max(1, cand.slotsTotal)
  const service = cand.avgServiceMs !== undefined && cand.avgServiceMs > 0 ? cand.avgServiceMs : 0
  const wait = cand.load < slots ? 0 : ((cand.load - slots + 1) / slots) * service
  const decode = task.stream ? 0 : ((task.maxTokens ?? Math.max(cand.contextLength, 1)) / speed) * 1000
  const load = cand.loaded ? 0 : (cand.coldLoadMs ?? 0)
  const expected = wait + prefill + decode + load
  return Math.max(policy.floorMs, Math.ceil(policy.factor * expected))
}
