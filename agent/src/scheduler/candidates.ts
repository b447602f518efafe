/**
 * Who can serve a model right now: this node (from its runtime and admission queue) and every live
 * peer that advertises the model (from gossip, plus this node's own not-yet-advertised reservations).
 * Pure data for the selection function.
 */
import type { ModelCapabilities, ModelStatus } from '../../../native-runtime/src/index.js'
import type { PeerView, ProviderAdvert } from '../../../mesh/src/index.js'
import type { AdmissionStats } from './admission-queue.js'
import { prefixMatch } from './prefix-digest.js'
import type { BackendModel } from '../backends/index.js'
import { providerModelCapabilities } from '../backends/image-job.js'

/** One node that holds a model, with the figures selection needs. */
export interface Candidate {
  /** `self` for this node, else the peer id. */
  target: 'self' | string
  nodeName: string
  slotsTotal: number
  /** Requests running or queued there, as best known (gossip + our reservations since). */
  load: number
  /** Generation speed per request (tokens/s, EMA); 0 when never measured. */
  tokensPerSecond: number
  /** Requests the node has served with the model: the evidence behind tokensPerSecond; undefined: trusted as is. */
  served?: number
  capabilities: ModelCapabilities
  contextLength: number
  /** False when the node lists the model but has not loaded it (it would load first). */
  loaded: boolean
  /** Fraction of the request's prompt prefix the node recently served (0..1). */
  prefixMatch: number
  /** Age of the state this candidate was built from (ms); 0 for self. */
  stateAgeMs: number
  /** Average time a request holds a slot there (ms, EMA); 0/undefined when not measured yet. */
  avgServiceMs?: number
  /** Expected load time when not loaded (ms); undefined: selection's COLD_LOAD_MS. */
  coldLoadMs?: number
  /** Set when a backend (engine or cloud provider) serves the model there, not the native runtime. */
  engine?: string
  /** The peer's heartbeat is late (membership `suspect`): tried only after every live holder. */
  suspect?: true
  /** Measured round trip to the peer (ms, the mesh's pings); absent for self and until measured. */
  rttMs?: number
}

/** A model stored on this node but not loaded: loaded on demand if chosen. */
export interface StoredModelFacts {
  capabilities: ModelCapabilities
  contextLength: number
  slotsTotal: number
  coldLoadMs: number
}

export function storedLocalCandidate(nodeName: string, s: StoredModelFacts): Candidate {
  return { target: 'self', nodeName, slotsTotal: s.slotsTotal, load: 0, tokensPerSecond: 0, capabilities: s.capabilities, contextLength: s.contextLength, loaded: false, prefixMatch: 0, stateAgeMs: 0, coldLoadMs: s.coldLoadMs }
}

/** This node, serving the model through one of its backends (an engine or a cloud provider). */
export function backendCandidate(nodeName: string, m: BackendModel, digest: readonly string[], hashes: string[]): Candidate {
  return { ...selfCandidate(nodeName, m, true, m.slotsBusy + m.queueDepth, m.avgServiceMs, digest, hashes), engine: m.engine }
}

export function localCandidate(nodeName: string, m: ModelStatus, q: AdmissionStats, digest: readonly string[], hashes: string[]): Candidate {
  return { ...selfCandidate(nodeName, m, m.state === 'loaded', q.busy + q.waiting, q.avgServiceMs, digest, hashes), served: q.served }
}

type ModelFigures = Pick<Candidate, 'slotsTotal' | 'tokensPerSecond' | 'capabilities' | 'contextLength'>

function selfCandidate(nodeName: string, m: ModelFigures, loaded: boolean, load: number, avgServiceMs: number | undefined, digest: readonly string[], hashes: string[]): Candidate {
  return {
    target: 'self',
    nodeName,
    slotsTotal: m.slotsTotal,
    load,
    tokensPerSecond: m.tokensPerSecond,
    capabilities: m.capabilities,
    contextLength: m.contextLength,
    loaded,
    prefixMatch: prefixMatch(hashes, digest),
    stateAgeMs: 0,
    avgServiceMs
  }
}

/** The provider advert whose prefix names `model` (`<prefix>:<id>`), if any. */
export function providerOf(model: string, providers: readonly ProviderAdvert[] | undefined): ProviderAdvert | undefined {
  const colon = model.indexOf(':')
  if (colon <= 0 || !providers) return undefined
  const prefix = model.slice(0, colon)
  return providers.find((p) => p.prefix === prefix)
}

/**
 * Candidates among peers for `model`: alive or suspect, not leaving. A suspect peer (one or two late
 * heartbeats: a loaded box, a stalled event loop) is not known dead; it stays a candidate, flagged, so
 * a request whose live holders all fail is tried there instead of answering 502 (`lastResort`).
 * `loadOf(peerId, advertLoad, advertAt)` turns
 * the load a peer advertised into the load to assume, with what this node sent it since (see
 * InflightTracker.loadOf).
 */
export function peerCandidates(model: string, peers: PeerView[], now: number, hashes: string[], loadOf: (peerId: string, advertLoad: number, advertAt: number) => number): Candidate[] {
  const out: Candidate[] = []
  for (const p of peers) {
    if ((p.status !== 'alive' && p.status !== 'suspect') || p.state.status !== 'alive') continue
    const flags = { ...(p.status === 'suspect' ? { suspect: true as const } : {}), ...(p.rttMs === undefined ? {} : { rttMs: p.rttMs }) }
    const m = p.state.models.find((x) => x.id === model)
    if (!m) {
      // a cloud provider the peer serves by prefix (`anthropic:*`), not per model
      const pa = providerOf(model, p.state.providers)
      if (pa) out.push({ target: p.peerId, nodeName: p.state.name, slotsTotal: pa.slotsTotal, load: loadOf(p.peerId, pa.slotsBusy, p.lastSeen), tokensPerSecond: 0, capabilities: providerModelCapabilities(pa.capabilities, model.slice(pa.prefix.length + 1)), contextLength: pa.contextLength, loaded: true, prefixMatch: 0, stateAgeMs: Math.max(0, now - p.lastSeen), engine: pa.engine, ...flags })
      continue
    }
    out.push({
      target: p.peerId,
      nodeName: p.state.name,
      slotsTotal: m.slotsTotal,
      load: loadOf(p.peerId, m.slotsBusy + m.queueDepth, p.lastSeen),
      tokensPerSecond: m.tokensPerSecond,
      capabilities: m.capabilities,
      contextLength: m.contextLength,
      loaded: m.loaded,
      prefixMatch: prefixMatch(hashes, p.state.prefixes[model]),
      stateAgeMs: Math.max(0, now - p.lastSeen),
      avgServiceMs: m.avgServiceMs,
      ...(m.served === undefined ? {} : { served: m.served }),
      ...(m.coldLoadMs === undefined ? {} : { coldLoadMs: m.coldLoadMs }),
      ...(m.engine === undefined ? {} : { engine: m.engine }),
      ...flags
    })
  }
  return out
}

/** `ranked` with the suspect peers moved last, order otherwise kept. */
export function lastResort(ranked: Candidate[]): Candidate[] {
  const live = ranked.filter((c) => !c.suspect)
  return live.length === ranked.length ? ranked : [...live, ...ranked.filter((c) => c.suspect)]
}
