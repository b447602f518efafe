/**
 * Routing policies compared by the simulator. Each sees only what a real ingress node would (its own
 * reservations exactly, everyone else through adverts up to a heartbeat old), except the oracle,
 * which knows every queue and every job's true length.
 */
import { rankCandidates } from '../../../agent/src/scheduler/select.js'
import type { Candidate } from '../../../agent/src/scheduler/candidates.js'
import { InflightTracker } from '../../../agent/src/scheduler/inflight-tracker.js'
import { prefixMatch } from '../../../agent/src/scheduler/prefix-digest.js'
import { finishIfAssigned, type SimJob, type SimNode } from './sim-model.js'

export interface RouterView {
  nodes: SimNode[]
  now: number
  /** Reservations of this ingress (the same tracker the agent uses). */
  tracker: InflightTracker
  random: () => number
  ingress: number
}

export type Policy = (job: SimJob, v: RouterView) => number

const caps = { chat: true, completion: true, embeddings: false, tools: false, vision: false }

/** Load as the ingress sees it: the advert plus its own reservations made since. */
const seenLoad = (n: SimNode, v: RouterView): number => n.advert.load + v.tracker.pendingSince(String(n.index), n.advert.at)

export function roundRobin(): Policy {
  const next = new Map<number, number>()
  return (_job, v) => {
    const i = next.get(v.ingress) ?? v.ingress
    next.set(v.ingress, (i + 1) % v.nodes.length)
    return i % v.nodes.length
  }
}

export const random: Policy = (_job, v) => Math.floor(v.random() * v.nodes.length)

/** The original llmlb: highest measured TPS wins; unmeasured nodes score 0. */
export const tpsArgmax: Policy = (_job, v) => {
  let best = 0
  for (const n of v.nodes) if (n.advert.tps > (v.nodes[best]?.advert.tps ?? 0)) best = n.index
  return best
}

export const leastInFlight: Policy = (_job, v) => {
  let best: number[] = []
  let min = Infinity
  for (const n of v.nodes) {
    const l = seenLoad(n, v)
    if (l < min) {
      min = l
      best = [n.index]
    } else if (l === min) best.push(n.index)
  }
  return best[Math.floor(v.random() * best.length)] as number
}

/** llmlb's own selection function, fed the same way the agent feeds it. */
export const ours: Policy = (job, v) => {
  const cands: Candidate[] = v.nodes.map((n) => ({
    target: n.index === v.ingress ? 'self' : String(n.index),
    nodeName: String(n.index),
    slotsTotal: n.slots,
    load: n.index === v.ingress ? n.finishes.filter((f) => f > v.now).length : seenLoad(n, v),
    tokensPerSecond: n.index === v.ingress ? n.measuredTps : n.advert.tps,
    capabilities: caps,
    contextLength: 4096,
    loaded: true,
    prefixMatch: prefixMatch(job.prefixHashes, n.index === v.ingress ? n.digest.get('m') : n.advert.digest),
    stateAgeMs: n.index === v.ingress ? 0 : v.now - n.advert.at,
    avgServiceMs: n.index === v.ingress ? n.avgServiceMs : n.advert.avgServiceMs
  }))
  const r = rankCandidates(cands, { expectedTokens: job.outputTokens, promptTokens: job.promptTokens }, v.random)
  const t = r.candidates[0]?.target as string
  return t === 'self' ? v.ingress : Number(t)
}

/** Knows every queue and the job's true length: greedy earliest true finish. */
export const oracle: Policy = (job, v) => {
  let best = 0
  let bestFinish = Infinity
  for (const n of v.nodes) {
    const f = finishIfAssigned(n, job, v.now, n.index !== v.ingress).finish
    if (f < bestFinish) {
      bestFinish = f
      best = n.index
    }
  }
  return best
}

export const POLICIES: Record<string, () => Policy> = {
  'round-robin': roundRobin,
  random: () => random,
  'tps-argmax (original)': () => tpsArgmax,
  'least-in-flight': () => leastInFlight,
  'llmlb (ours)': () => ours,
  oracle: () => oracle
}
