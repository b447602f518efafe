/**
 * Where each model runs: joins GET /v1/models (the cluster's served models) with the node adverts
 * (which also list models a node has but has not loaded). One row per model id.
 */
import type { Capabilities, ClusterModel, NodeInfo, NodeStatus } from '../api/types.js'

export interface Placement {
  node: string
  status: NodeStatus
  loaded: boolean
  slotsBusy: number
  slotsTotal: number
  queueDepth: number
  tokensPerSecond: number
}

export interface ModelRow {
  id: string
  capabilities: Capabilities | undefined
  contextLength: number | null
  quantization: string | null
  sizeBytes: number | null
  placements: Placement[]
  /** Nodes that can serve it now (alive, loaded). */
  servingNodes: number
  /** Engines serving it (`ollama`, `vllm`…); empty: the native runtime. */
  engines: string[]
}

export function modelRows(models: readonly ClusterModel[], nodes: readonly NodeInfo[]): ModelRow[] {
  const rows = new Map<string, ModelRow>()
  for (const m of models) {
    rows.set(m.id, {
      id: m.id,
      capabilities: m.llmlb?.capabilities,
      contextLength: m.llmlb?.context_length ?? null,
      quantization: m.llmlb?.quantization ?? null,
      sizeBytes: m.llmlb?.size_bytes ?? null,
      placements: [],
      servingNodes: 0,
      engines: m.llmlb?.engines ?? []
    })
  }
  for (const n of nodes) {
    for (const m of n.models) {
      let row = rows.get(m.id)
      if (!row) {
        row = { id: m.id, capabilities: m.capabilities, contextLength: m.contextLength, quantization: m.quantization, sizeBytes: m.sizeBytes, placements: [], servingNodes: 0, engines: m.engine ? [m.engine] : [] }
        rows.set(m.id, row)
      }
      row.placements.push({
        node: n.name,
        status: n.status,
        loaded: m.loaded,
        slotsBusy: m.slotsBusy,
        slotsTotal: m.slotsTotal,
        queueDepth: m.queueDepth,
        tokensPerSecond: m.tokensPerSecond
      })
      if (m.loaded && n.status === 'alive') row.servingNodes++
    }
  }
  // cluster models known only from /v1/models (e.g. a peer's advert not seen yet here) keep their names
  for (const m of models) {
    const row = rows.get(m.id) as ModelRow
    for (const name of m.llmlb?.nodes ?? []) {
      if (row.placements.some((p) => p.node === name)) continue
      row.placements.push({ node: name, status: 'alive', loaded: true, slotsBusy: 0, slotsTotal: 0, queueDepth: 0, tokensPerSecond: 0 })
      row.servingNodes++
    }
  }
  return [...rows.values()].sort((a, b) => b.servingNodes - a.servingNodes || a.id.localeCompare(b.id))
}
