/**
 * Who can serve a model right now: this node (from its runtime and admission queue) and every live
 * peer that advertises the model loaded (from gossip). Pure data for the selection function.
 */
import type { ModelCapabilities, ModelStatus } from '../../../native-runtime/src/index.js'
import type { PeerView } from '../../../mesh/src/index.js'
import type { AdmissionStats } from './admission-queue.js'

/** One node that holds a model, with the load figures selection needs. */
export interface Candidate {
  /** `self` for this node, else the peer id. */
  target: 'self' | string
  nodeName: string
  slotsTotal: number
  /** Slots in use (for self: leases held; for peers: gossiped). */
  slotsBusy: number
  queueDepth: number
  tokensPerSecond: number
  capabilities: ModelCapabilities
  contextLength: number
  /** Age of the state this candidate was built from (ms); 0 for self. */
  stateAgeMs: number
}

export function localCandidate(nodeName: string, m: ModelStatus, q: AdmissionStats): Candidate {
  return {
    target: 'self',
    nodeName,
    slotsTotal: m.slotsTotal,
    slotsBusy: Math.max(q.busy, m.slotsBusy),
    queueDepth: q.waiting,
    tokensPerSecond: m.tokensPerSecond,
    capabilities: m.capabilities,
    contextLength: m.contextLength,
    stateAgeMs: 0
  }
}

/** Candidates among peers for `model`: alive, not leaving, model loaded. */
export function peerCandidates(model: string, peers: PeerView[], now: number): Candidate[] {
  const out: Candidate[] = []
  for (const p of peers) {
    if (p.status !== 'alive' || p.state.status !== 'alive') continue
    const m = p.state.models.find((x) => x.id === model && x.loaded)
    if (!m) continue
    out.push({
      target: p.peerId,
      nodeName: p.state.name,
      slotsTotal: m.slotsTotal,
      slotsBusy: m.slotsBusy,
      queueDepth: m.queueDepth,
      tokensPerSecond: m.tokensPerSecond,
      capabilities: m.capabilities,
      contextLength: m.contextLength,
      stateAgeMs: Math.max(0, now - p.lastSeen)
    })
  }
  return out
}
