/**
 * Nodes found on the network (mDNS, --peer, or dialling in) whose connections failed the cluster-key
 * handshake: shown as "Not joined", with how to let them in. Renders nothing when there are none.
 */
import { For, Show } from 'solid-js'
import type { RejectedPeer } from '../../api/types.js'
import { formatAge, formatTimestamp } from '../../lib/format.js'
import { explainRejection, rejectedAddressLabel, rejectionDirection } from '../../lib/rejected-peers.js'

export function RejectedPeers(props: { peers: RejectedPeer[] }) {
  return (
    <Show when={props.peers.length > 0}>
      <section class="rejected-peers" data-testid="rejected-peers">
        <h2>Not joined</h2>
        <p class="muted small">Nodes seen on the network whose connections this node refused. They are not part of the cluster.</p>
        <div class="card-grid">
          <For each={props.peers}>
            {(p) => (
              <article class="card rejected-card" data-testid="rejected-peer" data-address={p.address}>
                <header class="node-card-head">
                  <h3 class="mono" title={p.address} data-testid="rejected-address">
                    {rejectedAddressLabel(p.address)}
                  </h3>
                  <span class="badge badge-muted">not joined</span>
                </header>
                <p class="rejected-reason" title={p.reason} data-testid="rejected-reason">
                  {explainRejection(p.reason)}
                </p>
                <p class="muted small" title={`first attempt ${formatTimestamp(p.first_seen)}`}>
                  {rejectionDirection(p.direction)} · {p.attempts} {p.attempts === 1 ? 'attempt' : 'attempts'} · last {formatAge(p.last_seen_ms_ago)}
                </p>
                <p class="muted small rejected-hint" data-testid="rejected-hint">
                  To join it, start it with this cluster's key (see <code>&lt;data-dir&gt;/cluster.key</code> on any member):{' '}
                  <code>llmlb serve --cluster-key &lt;key&gt;</code>
                </p>
              </article>
            )}
          </For>
        </div>
      </section>
    </Show>
  )
}
