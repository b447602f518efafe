/**
 * What a new user needs when the cluster is just this node, or has no model yet: the two commands
 * that grow it. The cluster key itself is a secret the dashboard does not know; the agent prints it
 * at start and keeps it in <data-dir>/cluster.key.
 */
import { Show } from 'solid-js'
import { CopyButton } from '../../components/copy-button.jsx'

export function GettingStarted(props: { peerHint: string; needsPeer: boolean; needsModel: boolean }) {
  const addNode = () => `llmlb serve --cluster-key <key> --peer ${props.peerHint}`
  const addModel = 'llmlb serve --model path/to/model.gguf'
  return (
    <section class="card getting-started" data-testid="getting-started">
      <h2>Grow your cluster</h2>
      <Show when={props.needsPeer}>
        <h3>Add a node</h3>
        <p>
          On another machine with llmlb installed, start an agent with this cluster's key. Boxes on the same LAN also
          find each other by mDNS; <code>--peer</code> points at this node when they cannot.
        </p>
        <div class="command">
          <code data-testid="add-node-command">{addNode()}</code>
          <CopyButton text={addNode} />
        </div>
        <p class="muted small">
          The key is printed when this node starts, and kept in <code>&lt;data-dir&gt;/cluster.key</code> (default{' '}
          <code>~/.llmlb/cluster.key</code>).
        </p>
      </Show>
      <Show when={props.needsModel}>
        <h3>Add a model</h3>
        <p>Give any node a GGUF file, or put <code>*.gguf</code> files in its models folder (<code>~/.llmlb/models</code>), and restart it.</p>
        <div class="command">
          <code data-testid="add-model-command">{addModel}</code>
          <CopyButton text={addModel} />
        </div>
      </Show>
    </section>
  )
}
