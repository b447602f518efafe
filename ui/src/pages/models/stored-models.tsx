/**
 * What every node stores: pulls in progress (bar, rate, time left), then each stored model with its
 * GGUF metadata, load state and the admin's actions (load, unload, remove).
 */
import { For, Show } from 'solid-js'
import type { NodeModels, PullState, StoredModel } from '../../api/types.js'
import { formatBytes, formatCompact, formatInteger } from '../../lib/format.js'
import { pullFigures } from '../../lib/pull-progress.js'
import { useModels } from '../../stores/models.js'

function PullRow(props: { node: string; pull: PullState }) {
  const f = () => pullFigures(props.pull)
  return (
    <li class="pull" data-testid="pull-row" data-node={props.node} data-model={props.pull.modelId} data-state={props.pull.state}>
      <span class="mono">{props.pull.modelId}</span> <span class="muted small">on {props.node}</span>
      <progress max="1" value={f().fraction} />
      <span class="small">
        {Math.floor(f().fraction * 100)}% · {formatBytes(f().done)} / {formatBytes(f().total)}
        {props.pull.state === 'downloading' ? ` · ${formatBytes(props.pull.bytesPerSecond)}/s` : ''}
        {f().etaSeconds !== null ? ` · ${f().etaSeconds}s left` : ''} · {props.pull.state}
      </span>
      <Show when={props.pull.error}>
        <p class="error small">{props.pull.error}</p>
      </Show>
    </li>
  )
}

function ModelRow(props: { node: string; m: StoredModel }) {
  const models = useModels()
  return (
    <tr data-testid="stored-row" data-node={props.node} data-model={props.m.id} data-state={props.m.state}>
      <td class="mono">{props.m.id}</td>
      <td>{props.node}</td>
      <td data-testid="stored-state">{props.m.state}</td>
      <td>{props.m.architecture}</td>
      <td class="num">{formatCompact(props.m.parameters)}</td>
      <td>{props.m.quantization}</td>
      <td class="num">{formatInteger(props.m.contextLength)}</td>
      <td class="num">{formatBytes(props.m.sizeBytes)}</td>
      <td class="mono small" title={props.m.sha256}>
        {props.m.sha256 ? props.m.sha256.slice(0, 12) : '…'}
      </td>
      <td class="small">{props.m.source.kind === 'hf' ? props.m.source.repo : 'local file'}</td>
      <td class="actions">
        <Show when={props.m.state === 'loaded'} fallback={<button data-testid="model-load" onClick={() => void models.loadModel(props.m.id, props.node)}>Load</button>}>
          <button data-testid="model-unload" onClick={() => void models.unloadModel(props.m.id, props.node)}>
            Unload
          </button>
        </Show>
        <button class="danger" data-testid="model-remove" onClick={() => void models.removeModel(props.m.id, props.node)}>
          Remove
        </button>
      </td>
    </tr>
  )
}

export function StoredModels(props: { nodes: NodeModels[] }) {
  const pulls = () => props.nodes.flatMap((n) => (n.pulls ?? []).filter((p) => p.state !== 'done').map((p) => ({ node: n.node, pull: p })))
  const rows = () => props.nodes.flatMap((n) => (n.data ?? []).map((m) => ({ node: n.node, m })))
  return (
    <section data-testid="stored-models">
      <Show when={pulls().length > 0}>
        <h2>Pulls</h2>
        <ul class="pulls">
          <For each={pulls()}>{(p) => <PullRow node={p.node} pull={p.pull} />}</For>
        </ul>
      </Show>
      <h2>Stored on each node</h2>
      <div class="table-wrap">
        <table class="table table-baseline">
          <thead>
            <tr>
              <th>Model</th>
              <th>Node</th>
              <th>State</th>
              <th>Arch.</th>
              <th class="num">Params</th>
              <th>Quant.</th>
              <th class="num">Context</th>
              <th class="num">Size</th>
              <th>SHA-256</th>
              <th>Source</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For each={rows()} fallback={<tr><td colspan="11" class="muted">Nothing stored yet: pull a model above.</td></tr>}>
              {(r) => <ModelRow node={r.node} m={r.m} />}
            </For>
          </tbody>
        </table>
      </div>
    </section>
  )
}
