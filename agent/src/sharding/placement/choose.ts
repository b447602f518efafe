/**
 * Who coordinates a split model and which workers lend it memory (specs/sharding.md, "Placement").
 * Pure: every node computes the same answer from the same gossip, so exactly one node coordinates.
 *
 * - Coordinator: an alive node that holds the model file and has the RPC binaries (`rpcBuild`). A node
 *   that already coordinates it keeps it (no hand-over when a lower id joins); otherwise, and among
 *   several current ones, the lowest peer id.
 * - Workers: alive nodes other than the coordinator whose worker is `up`, speaks the coordinator's
 *   protocol from its bundle, and is free or leased by the coordinator; limited to the mark's `nodes`.
 *   The fewest that cover the need (each worker adds round trips to every token), and among the sets of
 *   that size that cover it, the lowest round trips from the coordinator (the mesh's pings): workers
 *   are taken in round-trip order as long as the rest can still be covered by the others. Unmeasured
 *   ones come after measured ones, then the most free memory, then peer id.
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
  /** Round trip from the node computing the plan (ms); absent for itself and until measured. */
  rttMs?: number
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
  const free = (n: PlacementNode): number => n.rpcWorker?.freeBytes ?? 0
  const byId = (a: PlacementNode, b: PlacementNode): number => (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0)
  const byFree = [...eligible].sort((a, b) => free(b) - free(a) || byId(a, b))
  // the fewest workers: the largest first
  let count = 0
  let sum = 0
  for (const n of byFree) {
    if (sum >= needBytes && count >= minWorkers) break
    count++
    sum += free(n)
  }
  if (sum < needBytes || count === 0 || count < minWorkers) return { ok: false, needBytes, availableBytes: sum, eligible: eligible.length, ...(minWorkers > 1 && count < minWorkers ? { minWorkers } : {}) }
  // that many, nearest first: take a worker while the largest of the others can still cover the rest
  const byRtt = [...eligible].sort((a, b) => (a.rttMs ?? Infinity) - (b.rttMs ?? Infinity) || free(b) - free(a) || byId(a, b))
  const picked: PlacementNode[] = []
  let have = 0
  for (const n of byRtt) {
    if (picked.length === count) break
    const slots = count - picked.length - 1
    const rest = byFree.filter((o) => o !== n && !picked.includes(o)).slice(0, slots).reduce((t, o) => t + free(o), 0)
    if (have + free(n) + rest < needBytes) continue
    picked.push(n)
    have += free(n)
  }
  return { ok: true, workers: picked.map((n) => ({ peerId: n.peerId, name: n.name, bytes: Math.round((needBytes * free(n)) / have) })) }
}

/** `--auto-shard`: true when no alive node's memory budget fits the model whole. */
export function fitsNowhere(wholeBytes: number, budgets: readonly number[]): boolean {
  return budgets.length > 0 && budgets.every((b) => b < wholeBytes)
}
