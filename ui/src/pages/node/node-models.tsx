/** A node's models as a table: capabilities, size, context, slots, queue, speed. */
import { For } from 'solid-js'
import type { ModelInfo } from '../../api/types.js'
import { CapabilityTags } from '../../components/capability-tags.jsx'
import { formatBytes, formatInteger, formatTokensPerSecond } from '../../lib/format.js'

export function NodeModels(props: { models: ModelInfo[] }) {
  return (
    <div class="table-wrap">
      <table class="table" data-testid="node-model-table">
        <thead>
          <tr>
            <th>Model</th>
            <th>State</th>
            <th>Capabilities</th>
            <th class="num">Context</th>
            <th>Quant.</th>
            <th class="num">Size</th>
            <th class="num">Slots</th>
            <th class="num">Queue</th>
            <th class="num">Speed</th>
          </tr>
        </thead>
        <tbody>
          <For
            each={props.models}
            fallback={
              <tr>
                <td colspan="9" class="muted">
                  No models on this node.
                </td>
              </tr>
            }
          >
            {(m) => (
              <tr>
                <td class="mono">{m.id}</td>
                <td>{m.loaded ? <span class="badge badge-ok">loaded</span> : <span class="badge badge-muted">not loaded</span>}</td>
                <td>
                  <CapabilityTags capabilities={m.capabilities} />
                </td>
                <td class="num">{formatInteger(m.contextLength)}</td>
                <td>{m.quantization || '—'}</td>
                <td class="num">{formatBytes(m.sizeBytes)}</td>
                <td class="num">
                  {m.slotsBusy} / {m.slotsTotal}
                </td>
                <td class="num">{m.queueDepth}</td>
                <td class="num">{formatTokensPerSecond(m.tokensPerSecond)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  )
}
