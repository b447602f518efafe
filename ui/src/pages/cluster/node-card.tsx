/** One node of the cluster: status, models (loaded or not), slots, queue, speed, GPUs, version. */
import { A } from '@solidjs/router'
import { For, Show } from 'solid-js'
import type { NodeInfo } from '../../api/types.js'
import { Meter } from '../../components/meter.jsx'
import { StatusBadge } from '../../components/status-badge.jsx'
import { formatAge, formatBytes, formatTokensPerSecond } from '../../lib/format.js'
import { summarizeNode } from '../../lib/node-summary.js'

export function NodeCard(props: { node: NodeInfo }) {
  const s = () => summarizeNode(props.node)
  return (
    <article class={`card node-card node-${props.node.status}`} data-testid="node-card" data-node={props.node.name}>
      <header class="node-card-head">
        <h3>
          <A href={`/nodes/${encodeURIComponent(props.node.name)}`} data-testid="node-name">
            {props.node.name}
          </A>
        </h3>
        <Show when={props.node.self}>
          <span class="tag" title="The node serving this dashboard">this node</span>
        </Show>
        <StatusBadge status={props.node.status} />
      </header>

      <ul class="model-list" data-testid="node-models">
        <For each={props.node.models} fallback={<li class="muted">No models</li>}>
          {(m) => (
            <li class={m.loaded ? 'loaded' : 'unloaded'} data-testid="node-model" data-loaded={String(m.loaded)}>
              <span class="dot" aria-hidden="true" />
              <span class="model-id" title={m.id}>
                {m.id}
              </span>
              <span class="muted small">{m.loaded ? formatTokensPerSecond(m.tokensPerSecond) : 'not loaded'}</span>
            </li>
          )}
        </For>
      </ul>

      <Meter label="Slots busy" value={s().slotsBusy} max={s().slotsTotal} testId="node-slots" />

      <dl class="facts">
        <div>
          <dt>Queue</dt>
          <dd data-testid="node-queue">{s().queueDepth}</dd>
        </div>
        <div>
          <dt>In flight</dt>
          <dd>{props.node.inFlight ?? 0}</dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd data-testid="node-tps">{formatTokensPerSecond(s().tokensPerSecond)}</dd>
        </div>
        <div>
          <dt>CPU load</dt>
          <dd>
            {props.node.cpu ? `${props.node.cpu.load1.toFixed(2)} / ${props.node.cpu.cores}` : '—'}
          </dd>
        </div>
      </dl>

      <For each={props.node.gpus ?? []}>
        {(g) => (
          <Meter
            label={g.name}
            value={g.vramUsedBytes}
            max={g.vramTotalBytes}
            text={`${formatBytes(g.vramUsedBytes)} / ${formatBytes(g.vramTotalBytes)} VRAM`}
            testId="node-gpu"
          />
        )}
      </For>

      <Show when={props.node.rpcWorker}>
        {(w) => (
          <p class="lends small" data-testid="node-lends" data-state={w().state} data-leased={w().leasedBy ? 'true' : 'false'}>
            <span class="tag" title={`RPC worker, ${w().backend}, protocol ${w().protocol}`}>lends memory</span> {formatBytes(w().freeBytes)} free of {formatBytes(w().totalBytes)} · {w().state}
            {w().leasedBy ? ' · leased' : ' · free'}
          </p>
        )}
      </Show>

      <footer class="node-card-foot muted small">
        <span data-testid="node-version">v{props.node.version}</span>
        <Show when={!props.node.self}>
          <span>seen {formatAge(props.node.last_seen_ms_ago)}</span>
          <Show when={props.node.rtt_ms != null}>
            <span data-testid="node-rtt"> · rtt {formatRtt(props.node.rtt_ms as number)}</span>
          </Show>
        </Show>
      </footer>
    </article>
  )
}

/** A round trip as people read it: sub-millisecond on a LAN, whole milliseconds past 10. */
const formatRtt = (ms: number): string => (ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`)
