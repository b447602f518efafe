/** Shared builders for the routing tests: a candidate node, a typical task, a seeded random source. */
import type { Candidate } from '../../../agent/src/scheduler/candidates.js'

const caps = { chat: true, completion: true, embeddings: true, tools: false, vision: false }

/** A warm candidate with 4 slots at 100 tokens/s; `self` is named `n-self`, peers `n-<target>`. */
export const cand = (target: string, load: number, over: Partial<Candidate> = {}): Candidate => ({
  target,
  nodeName: target === 'self' ? 'n-self' : `n-${target}`,
  slotsTotal: 4,
  load,
  tokensPerSecond: 100,
  capabilities: caps,
  contextLength: 2048,
  loaded: true,
  prefixMatch: 0,
  stateAgeMs: 0,
  ...over
})

export const task = { expectedTokens: 100, promptTokens: 400 }

/** Park–Miller PRNG: a deterministic `Math.random` stand-in. */
export const seeded = (seed: number) => (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647)
