/**
 * Who coordinates a split model and which workers lend it memory (specs/sharding.md, "Placement").
 * Pure: every node computes the same answer from the same gossip, so exactly one node coordinates.
 *
 * - Coordinator: an alive node that holds the model file and has the RPC binaries (`rpcBuild`). A node
 *   that already coordinates it keeps it (no hand-over when a lower id joins); otherwise, and among
 *   several current ones, the lowest peer id.
 * - Workers: alive nodes other than the coordinator whose worker is `up`, speaks the coordinator's
 *   protocol from its bundle, and is free or leased by the coordinator; limited to the mark's `nodes`.
 *   The fewest that cover the need: the mesh measures no round-trip time between nodes, so instead of
 *   the lowest latency the most free memory goes first (fewest hops per token), peer id breaking ties.
 */

export interface BuildInfo {
  protocol: string
  bundle: string
  backend: string
}

/** One node as placement sees it (self included), from its gossiped state. */
export interface PlacementNode {
  peerId: string
  name: string
  alive: boolean
  /** Holds the model's GGUF (stored or loaded by its own runtime). */
  holds: boolean
  /** Advertises the model as split and coordinated by itself now. */
  coordinates: boolean
  rpcBuild?: BuildInfo
  rpcWorker?: { protocol: string; bundle: string; backend: string; freeBytes: number; state: string; leasedBy?: string }
}

/** The coordinator's peer id, or undefined when no alive holder can coordinate. */
export function chooseCoordinator(nodes: readonly PlacementNode[]): string | undefined {
  const able = nodes.filter((n) => n.alive && n.holds && n.rpcBuild)
  const current = able.filter((n) => n.coordinates)
  const pool = current.length > 0 ? current : able
  return pool.map((n) => n.peerId).sort()[0]
}

export interface WorkerChoice {
  peerId: string
  name: string
  /** Share of the need this worker is expected to hold (proportional to its free memory). */
  bytes: number
}

/** Not possible: the need, what the eligible workers have, how many there are (and the minimum asked, when that is what is short). */
export type WorkerPlan = { ok: true; workers: WorkerChoice[] } | { ok: false; needBytes: number; availableBytes: number; eligible: number; minWorkers?: number }

/**
 * Workers eligible for a model coordinated by `coordinator` (`nodes`: names or peer ids the mark allows;
 * `taken`: workers the coordinator holds for its other split models — a worker serves one client).
 */
export function eligibleWorkers(nodes: readonly PlacementNode[], coordinator: string, build: BuildInfo, allowed?: readonly string[], taken: ReadonlySet<string> = new Set()): PlacementNode[] {
  return nodes.filter((n) => {
    const w = n.rpcWorker
    if (!n.alive || n.peerId === coordinator || taken.has(n.peerId) || !w || w.state !== 'up') return false
    if (w.protocol !== build.protocol || w.bundle !== build.bundle) return false
    if (w.leasedBy !== undefined && w.leasedBy !== coordinator) return false
    return !allowed || allowed.length === 0 || allowed.includes(n.name) || allowed.includes(n.peerId)
  })
}

/**
 * The fewest eligible workers whose free memory covers `needBytes` (at least `minWorkers`, when the mark
 * asks to spread the model wider), or why not.
 */
export function chooseWorkers(eligible: readonly PlacementNode[], needBytes: number, minWorkers = 1): WorkerPlan {
  const sorted = [...eligible].sort((a, b) => (b.rpcWorker?.freeBytes ?? 0) - (a.rpcWorker?.freeBytes ?? 0) || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0))
  const picked: PlacementNode[] = []
  let sum = 0
  for (const n of sorted) {
    if (sum >= needBytes && picked.length >= minWorkers) break
    picked.push(n)
    sum += n.rpcWorker?.freeBytes ?? 0
  }
  if (sum < needBytes || picked.length === 0 || picked.length < minWorkers) return { ok: false, needBytes, availableBytes: sum, eligible: eligible.length, ...(minWorkers > 1 && picked.length < minWorkers ? { minWorkers } : {}) }
  return { ok: true, workers: picked.map((n) => ({ peerId: n.peerId, name: n.name, bytes: Math.round((needBytes * (n.rpcWorker?.freeBytes ?? 0)) / sum) })) }
}

/** `--auto-shard`: true when no alive node's memory budget fits the model whole. */
export function fitsNowhere(wholeBytes: number, budgets: readonly number[]): boolean {
  return budgets.length > 0 && budgets.every((b) => b < wholeBytes)
}
