/** The cluster at a glance: totals, a card per node (live over SSE), nodes found but not joined, and how to grow it. */
import { For, Show } from 'solid-js'
import { ErrorNote, Loading } from '../../components/states.jsx'
import { meshPeerHint, summarizeNode } from '../../lib/node-summary.js'
import { useCluster } from '../../stores/cluster.js'
import { ClusterSummary, type ClusterTotals } from './cluster-summary.jsx'
import { GettingStarted } from './getting-started.jsx'
import { NodeCard } from './node-card.jsx'
import { RejectedPeers } from './rejected-peers.jsx'

export function ClusterPage() {
  const cluster = useCluster()
  const nodes = () => cluster.state.nodes
  const totals = (): ClusterTotals => {
    const t: ClusterTotals = { nodes: 0, alive: 0, modelsLoaded: 0, slotsBusy: 0, slotsTotal: 0, queueDepth: 0, tokensPerSecond: 0 }
    const loaded = new Set<string>()
    for (const n of nodes()) {
      t.nodes++
      if (n.status === 'alive') t.alive++
      const s = summarizeNode(n)
      t.slotsBusy += s.slotsBusy
      t.slotsTotal += s.slotsTotal
      t.queueDepth += s.queueDepth
      t.tokensPerSecond += s.tokensPerSecond
      for (const m of n.models) if (m.loaded) loaded.add(m.id)
    }
    t.modelsLoaded = loaded.size
    return t
  }
  const needsPeer = () => nodes().length <= 1
  const needsModel = () => totals().modelsLoaded === 0
  const peerHint = () => meshPeerHint(cluster.self()?.addresses ?? [], location.hostname || '<this-host>')

  return (
    <div class="page" data-testid="cluster-page">
      <header class="page-head">
        <h1>Cluster</h1>
      </header>
      <ErrorNote message={cluster.state.updatedAt === 0 ? cluster.state.error : null} onRetry={() => void cluster.refresh()} />
      <Show when={cluster.state.updatedAt > 0} fallback={<Loading what="the cluster" />}>
        <ClusterSummary totals={totals()} />
        <Show when={needsPeer() || needsModel()}>
          <GettingStarted peerHint={peerHint()} needsPeer={needsPeer()} needsModel={needsModel()} />
        </Show>
        <div class="card-grid" data-testid="node-grid">
          <For each={nodes()}>{(node) => <NodeCard node={node} />}</For>
        </div>
        <RejectedPeers peers={cluster.state.rejected} />
      </Show>
    </div>
  )
}
