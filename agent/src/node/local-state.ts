/**
 * Builds this node's state: what it gossips to the mesh and what `/api/nodes` shows for itself.
 * Cheap (no I/O beyond os counters, read at most once per HOST_FIGURES_MS), called on every change
 * and heartbeat.
 */
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os'
import type { InferenceRuntime } from '../../../native-runtime/src/index.js'
import type { ModelAdvert, NodeState, ProviderAdvert, RpcWorkerAdvert } from '../../../mesh/src/index.js'
import type { AdmissionQueue } from '../scheduler/admission-queue.js'

/** Version reported in adverts and /health. */
export const LLMLB_VERSION = '0.1.0'

export interface LocalStateSources {
  name: string
  httpUrl: () => string
  runtime: InferenceRuntime
  admission: AdmissionQueue
  startedAt: number
  leaving: () => boolean
  /** Prefix-affinity digest per model (hex hashes), when routing keeps one. */
  prefixes?: () => Record<string, string[]>
  /** Models stored here but not loaded, advertised with `loaded: false` and their cold-load estimate. */
  stored?: () => ModelAdvert[]
  /** Models served by this node's engines and cloud providers (see BackendRegistry.adverts). */
  backends?: () => ModelAdvert[]
  /** @default Date.now */
  now?: () => number
  /** Room for another model (memory budget, disk), gossiped for `--auto-pull`'s placement. */
  capacity?: () => NodeState['capacity']
  /** Cloud providers this node serves by prefix (see BackendRegistry.providers). */
  providers?: () => ProviderAdvert[]
  /** This node's RPC worker, when it lends memory to split models (agent/src/sharding). */
  rpcWorker?: () => RpcWorkerAdvert | undefined
  /** The RPC binaries this node has built: it can coordinate a split model (agent/src/sharding/build). */
  rpcBuild?: () => NodeState['rpcBuild']
}

/**
 * How long the host figures (cores, load average, memory) are reused. Reading them is three file reads
 * (/proc), and a busy node builds its state every few ms; the kernel moves the load average every 5 s.
 */
export const HOST_FIGURES_MS = 1000

type HostFigures = Pick<NodeState, 'cpu' | 'memory'>
let host: { at: number; figures: HostFigures } | undefined

function hostFigures(now: number): HostFigures {
  if (host === undefined || now - host.at >= HOST_FIGURES_MS || now < host.at) {
    host = { at: now, figures: { cpu: { cores: availableParallelism(), load1: Math.round((loadavg()[0] ?? 0) * 100) / 100 }, memory: { totalBytes: totalmem(), freeBytes: freemem() } } }
  }
  return host.figures
}

/** Models in one advert (the schema's bound): loaded ones come first. */
export const MAX_ADVERTISED_MODELS = 256

export function buildLocalState(s: LocalStateSources): Omit<NodeState, 'seq' | 'peerId'> {
  const stored = s.stored?.() ?? []
  // a model the store is loading is advertised once, as stored (with the capabilities of its record),
  // not also as the runtime's loading placeholder
  const storedIds = new Set(stored.map((a) => a.id))
  return {
    v: 1,
    name: s.name,
    version: LLMLB_VERSION,
    httpUrl: s.httpUrl(),
    status: s.leaving() ? 'leaving' : 'alive',
    startedAt: s.startedAt,
    models: [...s.runtime.models().filter((m) => m.state !== 'unloaded' && !(m.state === 'loading' && storedIds.has(m.id))).map((m) => {
      const q = s.admission.stats(m.id)
      return {
        id: m.id,
        capabilities: m.capabilities,
        loaded: m.state === 'loaded',
        contextLength: m.contextLength,
        quantization: m.quantization,
        sizeBytes: m.sizeBytes,
        slotsTotal: m.slotsTotal,
        slotsBusy: Math.max(q.busy, m.slotsBusy),
        queueDepth: q.waiting,
        tokensPerSecond: Math.round(m.tokensPerSecond * 10) / 10,
        avgServiceMs: q.avgServiceMs,
        served: q.served,
        ...(m.voices ? { voices: m.voices } : {})
      }
    }), ...(s.backends?.() ?? []), ...stored].slice(0, MAX_ADVERTISED_MODELS),
    ...hostFigures((s.now ?? Date.now)()),
    gpus: [],
    inFlight: s.admission.totalInFlight(),
    prefixes: s.prefixes?.() ?? {},
    ...(s.capacity ? { capacity: s.capacity() } : {}),
    ...(s.providers ? { providers: s.providers() } : {}),
    ...rpcWorkerOf(s),
    ...rpcBuildOf(s)
  }
}

function rpcWorkerOf(s: LocalStateSources): { rpcWorker?: RpcWorkerAdvert } {
  const w = s.rpcWorker?.()
  return w ? { rpcWorker: w } : {}
}

function rpcBuildOf(s: LocalStateSources): Pick<NodeState, 'rpcBuild'> {
  const b = s.rpcBuild?.()
  return b ? { rpcBuild: b } : {}
}
