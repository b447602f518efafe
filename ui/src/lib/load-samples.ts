/**
 * A short in-memory history of each node's load, sampled from the live snapshots, for the node
 * page's sparkline. Nothing is persisted: a reload starts empty.
 */
import type { NodeInfo } from '../api/types.js'
import { summarizeNode } from './node-summary.js'

/** Samples kept per node (at the 2 s snapshot rate: about 5 minutes). */
export const MAX_LOAD_SAMPLES = 150

export interface LoadSample {
  /** Epoch ms. */
  t: number
  slotsBusy: number
  slotsTotal: number
  queueDepth: number
  inFlight: number
  load1: number
  tokensPerSecond: number
}

export function sampleOf(node: NodeInfo, t: number): LoadSample {
  const s = summarizeNode(node)
  return {
    t,
    slotsBusy: s.slotsBusy,
    slotsTotal: s.slotsTotal,
    queueDepth: s.queueDepth,
    inFlight: node.inFlight ?? 0,
    load1: node.cpu?.load1 ?? 0,
    tokensPerSecond: s.tokensPerSecond
  }
}

/**
 * Appends a sample, dropping the oldest beyond `max`. While a sample is closer than `minGapMs` to
 * the one before the newest, it replaces the newest, so bursts of snapshots (pushed up to every
 * 250 ms) do not squeeze the time axis, yet the newest state always shows.
 */
export function appendSample(prev: readonly LoadSample[], s: LoadSample, max = MAX_LOAD_SAMPLES, minGapMs = 1000): LoadSample[] {
  const anchor = prev[prev.length - 2]
  const base = anchor && s.t - anchor.t < minGapMs ? prev.slice(0, -1) : prev.slice()
  base.push(s)
  return base.length > max ? base.slice(base.length - max) : base
}
