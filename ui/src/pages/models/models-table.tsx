/** The cluster's models: capabilities, format, and each node that has it (loaded or not). */
import { A } from '@solidjs/router'
import { For } from 'solid-js'
import { CapabilityTags } from '../../components/capability-tags.jsx'
import { formatBytes, formatInteger } from '../../lib/format.js'
import type { ModelRow } from '../../lib/model-placement.js'

export function ModelsTable(props: { rows: ModelRow[] }) {
  return (
    <div class="table-wrap">
      <table class="table" data-testid="models-table">
        <thead>
          <tr>
            <th>Model</th>
            <th>Capabilities</th>
            <th class="num">Context</th>
            <th>Engine</th>
            <th>Quant.</th>
            <th class="num">Size</th>
            <th>Runs on</th>
          </tr>
        </thead>
        <tbody>
          <For
            each={props.rows}
            fallback={
              <tr>
                <td colspan="7" class="muted">
                  No models in the cluster yet. Start a node with <code>--model path.gguf</code>.
                </td>
              </tr>
            }
          >
            {(row) => (
              <tr data-testid="model-row" data-model={row.id}>
                <td class="mono">{row.id}</td>
                <td>
                  <CapabilityTags capabilities={row.capabilities} />
                </td>
                <td class="num">{row.contextLength === null ? '—' : formatInteger(row.contextLength)}</td>
                <td data-testid="model-engine">{row.engines.length > 0 ? row.engines.join(', ') : 'llmlb'}</td>
                <td>{row.quantization || '—'}</td>
                <td class="num">{formatBytes(row.sizeBytes)}</td>
                <td>
                  <ul class="placements">
                    <For each={row.placements}>
                      {(p) => (
                        <li class={p.loaded && p.status === 'alive' ? 'serving' : 'idle'} title={p.loaded ? `${p.slotsBusy}/${p.slotsTotal} slots busy, ${p.queueDepth} queued` : 'not loaded'}>
                          <A href={`/nodes/${encodeURIComponent(p.node)}`}>{p.node}</A>
                          <span class="muted small">
                            {p.loaded ? (p.slotsTotal > 0 ? ` ${p.slotsBusy}/${p.slotsTotal}` : '') : ' not loaded'}
                            {p.status !== 'alive' ? ` · ${p.status}` : ''}
                          </span>
                        </li>
                      )}
                    </For>
                  </ul>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  )
}
