/** Per-node figures the cluster cards and the node page show, computed from one node advert. */
import type { NodeInfo, NodeStatus } from '../api/types.js'

export interface NodeSummary {
  modelsTotal: number
  modelsLoaded: number
  slotsBusy: number
  slotsTotal: number
  queueDepth: number
  /** Sum over loaded models (tokens/s). */
  tokensPerSecond: number
  vramUsedBytes: number
  vramTotalBytes: number
  /** 0..1, or null when the node reports no slots. */
  slotUse: number | null
}

export function summarizeNode(node: Pick<NodeInfo, 'models' | 'gpus'>): NodeSummary {
  let slotsBusy = 0
  let slotsTotal = 0
  let queueDepth = 0
  let tps = 0
  let loaded = 0
  for (const m of node.models) {
    if (!m.loaded) continue
    loaded++
    slotsBusy += m.slotsBusy
    slotsTotal += m.slotsTotal
    queueDepth += m.queueDepth
    tps += m.tokensPerSecond
  }
  const gpus = node.gpus ?? []
  return {
    modelsTotal: node.models.length,
    modelsLoaded: loaded,
    slotsBusy,
    slotsTotal,
    queueDepth,
    tokensPerSecond: tps,
    vramUsedBytes: gpus.reduce((s, g) => s + g.vramUsedBytes, 0),
    vramTotalBytes: gpus.reduce((s, g) => s + g.vramTotalBytes, 0),
    slotUse: slotsTotal > 0 ? Math.min(1, slotsBusy / slotsTotal) : null
  }
}

const STATUS_ORDER: Record<NodeStatus, number> = { alive: 0, leaving: 1, suspect: 2, dead: 3, left: 4 }

/** This node first, then by status (alive before suspect before dead), then by name. */
export function sortNodes<T extends Pick<NodeInfo, 'self' | 'status' | 'name'>>(nodes: readonly T[]): T[] {
  return [...nodes].sort(
    (a, b) => Number(b.self) - Number(a.self) || (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9) || a.name.localeCompare(b.name)
  )
}

/** Human words for a status badge. */
export const STATUS_LABEL: Record<NodeStatus, string> = {
  alive: 'alive',
  suspect: 'suspect',
  dead: 'unreachable',
  left: 'left',
  leaving: 'leaving'
}

/**
 * `host:port` of this node's mesh listener for the "add a node" hint: the first non-loopback IPv4
 * (or DNS) TCP multiaddr, else `fallbackHost` with that port, else `fallbackHost:32769`.
 */
export function meshPeerHint(addresses: readonly string[], fallbackHost: string, defaultPort = 32769): string {
  let port: string | undefined
  for (const a of addresses) {
    const m = /^\/(ip4|dns4|dns|ip6)\/([^/]+)\/tcp\/(\d+)/.exec(a)
    if (!m) continue
    const [, kind, host, p] = m
    port ??= p
    if (kind === 'ip6' || host === '127.0.0.1' || host === '0.0.0.0' || host === 'localhost') continue
    return `${host}:${p}`
  }
  return `${fallbackHost}:${port ?? defaultPort}`
}
