/**
 * Runs one policy over one workload and returns latency percentiles and the prefix-hit rate.
 * Open-loop Poisson arrivals (independent requests) or multi-turn conversations whose next turn
 * arrives a think-time after the previous answer.
 */
import { InflightTracker } from '../../../agent/src/scheduler/inflight-tracker.js'
import { percentile } from '../stats.js'
import type { Policy } from './policies.js'
import { BASE_TPS, SIM_PREFILL_SPEEDUP, finishIfAssigned, makeNodes, prng, refreshAdvert, type SimJob } from './sim-model.js'

export interface Scenario {
  speeds: number[]
  slots: number[]
  /** Offered load as a fraction of total capacity. */
  load: number
  workload: 'independent' | 'multi-turn'
  requests: number
  seed: number
  /** max_tokens the client sends (ours sees this, not the true length). */
  maxTokens: number
}

export interface SimResult {
  p50: number
  p99: number
  hitRate: number
  perNode: number[]
}

interface Arrival {
  at: number
  job: SimJob
}

/** A binary min-heap of arrivals by time. */
class Heap {
  private a: Arrival[] = []
  push(x: Arrival): void {
    const a = this.a
    a.push(x)
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1
      if ((a[p] as Arrival).at <= (a[i] as Arrival).at) break
      ;[a[p], a[i]] = [a[i] as Arrival, a[p] as Arrival]
      i = p
    }
  }
  pop(): Arrival | undefined {
    const a = this.a
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last) {
      a[0] = last
      for (let i = 0; ; ) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && (a[l] as Arrival).at < (a[m] as Arrival).at) m = l
        if (r < a.length && (a[r] as Arrival).at < (a[m] as Arrival).at) m = r
        if (m === i) break
        ;[a[m], a[i]] = [a[i] as Arrival, a[m] as Arrival]
        i = m
      }
    }
    return top
  }
  get size(): number {
    return this.a.length
  }
}

const TURNS = [4, 8]
const FIRST_PROMPT = 400
const TURN_GROWTH = 150
const THINK_MS = 1000

export function simulate(policy: Policy, s: Scenario): SimResult {
  const rand = prng(s.seed)
  const pick = prng(s.seed * 7 + 1)
  const nodes = makeNodes(s.speeds, s.slots)
  const trackers = nodes.map(() => new InflightTracker())
  const capacity = nodes.reduce((c, n) => c + n.slots * n.speed * BASE_TPS, 0) // tokens/s
  const exp = (mean: number): number => -Math.log(1 - rand()) * mean
  const uniform = (a: number, b: number): number => a + Math.floor(rand() * (b - a + 1))
  const heap = new Heap()
  let id = 0
  const meanTurns = (TURNS[0] as number + (TURNS[1] as number)) / 2
  const meanPrompt = s.workload === 'independent' ? 275 : FIRST_PROMPT + (TURN_GROWTH * (meanTurns - 1)) / 2
  const meanWork = 72 + meanPrompt / SIM_PREFILL_SPEEDUP // tokens of decode-equivalent work per request
  const rate = (s.load * capacity) / meanWork / 1000 // requests per ms
  const convRate = s.workload === 'independent' ? rate : rate / meanTurns
  const mkJob = (at: number, conv?: number, turn = 0, prompt = uniform(50, 500), cached = 0): SimJob => ({
    id: id++,
    arrival: at,
    ingress: Math.floor(rand() * nodes.length),
    promptTokens: prompt,
    outputTokens: uniform(16, 128),
    cachedTokens: cached,
    conversation: conv,
    turn,
    prefixHashes: conv === undefined ? [] : Array.from({ length: turn + 1 }, (_, t) => `${conv}:${t}`)
  })
  let t = 0
  const starts = s.workload === 'independent' ? s.requests : Math.ceil(s.requests / meanTurns)
  for (let i = 0; i < starts; i++) {
    t += exp(1 / convRate)
    heap.push({ at: t, job: s.workload === 'independent' ? mkJob(t) : mkJob(t, i, 0, FIRST_PROMPT) })
  }
  // reservations end when their job finishes; ended lazily as simulated time passes
  let pendingEnds: { at: number; end: () => void }[] = []
  const flushEnds = (now: number): void => {
    const due = pendingEnds.filter((p) => p.at <= now)
    for (const p of due) p.end()
    if (due.length) pendingEnds = pendingEnds.filter((p) => p.at > now)
  }
  const turnsOf = new Map<number, number>()
  const latencies: number[] = []
  const perNode = nodes.map(() => 0)
  let hits = 0
  let followUps = 0
  while (heap.size > 0) {
    const { at, job } = heap.pop() as Arrival
    flushEnds(at)
    for (const n of nodes) refreshAdvert(n, at)
    const target = policy(job, { nodes, now: at, tracker: trackers[job.ingress] as InflightTracker, random: pick, ingress: job.ingress })
    const n = nodes[target] ?? (nodes[0] as (typeof nodes)[number])
    const { start, finish, cached } = finishIfAssigned(n, job, at, target !== job.ingress)
    // assign to the earliest free slot
    const slot = n.slotFree.indexOf(Math.min(...n.slotFree))
    n.slotFree[slot] = finish
    n.finishes = n.finishes.filter((f) => f > at)
    n.finishes.push(finish)
    const res = (trackers[job.ingress] as InflightTracker).begin(String(target))
    // the reservation ends at finish; the simulator ends it lazily when time passes (see below)
    pendingEnds.push({ at: finish, end: res.end })
    const decodeMs = finish - start - ((job.promptTokens - cached) / (BASE_TPS * n.speed * SIM_PREFILL_SPEEDUP)) * 1000
    const observed = (job.outputTokens / decodeMs) * 1000
    n.measuredTps = n.measuredTps === 0 ? observed : n.measuredTps + 0.3 * (observed - n.measuredTps)
    const held = finish - start
    n.avgServiceMs = n.avgServiceMs === 0 ? held : n.avgServiceMs + 0.2 * (held - n.avgServiceMs)
    perNode[target] = (perNode[target] ?? 0) + 1
    if (job.conversation !== undefined) {
      n.digest.record('m', job.prefixHashes)
      n.kv = [...n.kv.filter((c) => c !== job.conversation), job.conversation].slice(-n.kvCapacity)
      if (job.turn && job.turn > 0) {
        followUps++
        if (cached > 0) hits++
      }
      const total = turnsOf.get(job.conversation) ?? uniform(TURNS[0] as number, TURNS[1] as number)
      turnsOf.set(job.conversation, total)
      if ((job.turn ?? 0) + 1 < total) {
        const next = finish + exp(THINK_MS)
        heap.push({ at: next, job: mkJob(next, job.conversation, (job.turn ?? 0) + 1, job.promptTokens + TURN_GROWTH, job.promptTokens + job.outputTokens) })
      }
    }
    latencies.push(finish - at)
  }
  const warm = latencies.slice(Math.floor(latencies.length * 0.1))
  return { p50: percentile(warm, 50), p99: percentile(warm, 99), hitRate: followUps ? hits / followUps : 0, perNode }
}
