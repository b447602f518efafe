/** Load over the last minutes, from the snapshots this browser has seen (nothing is stored). */
import { Show } from 'solid-js'
import { Sparkline } from '../../components/sparkline.jsx'
import { formatDuration } from '../../lib/format.js'
import type { LoadSample } from '../../lib/load-samples.js'

export function NodeLoad(props: { samples: readonly LoadSample[] }) {
  const span = () => {
    const s = props.samples
    return s.length > 1 ? (s[s.length - 1] as LoadSample).t - (s[0] as LoadSample).t : 0
  }
  const last = () => props.samples[props.samples.length - 1]
  const slotsMax = () => Math.max(1, ...props.samples.map((s) => s.slotsTotal))
  return (
    <div class="load-grid" data-testid="node-load">
      <Show when={props.samples.length > 1} fallback={<p class="muted">Collecting samples… the chart fills in as live updates arrive.</p>}>
        <figure>
          <figcaption>
            Slots busy <strong>{last()?.slotsBusy ?? 0}</strong>
            <span class="muted"> / {last()?.slotsTotal ?? 0}</span>
          </figcaption>
          <Sparkline values={props.samples.map((s) => s.slotsBusy)} max={slotsMax()} label="Busy slots over time" testId="sparkline-slots" />
        </figure>
        <figure>
          <figcaption>
            In flight <strong>{last()?.inFlight ?? 0}</strong>
            <span class="muted"> · queued {last()?.queueDepth ?? 0}</span>
          </figcaption>
          <Sparkline values={props.samples.map((s) => s.inFlight + s.queueDepth)} label="Requests in flight over time" />
        </figure>
        <figure>
          <figcaption>
            CPU load <strong>{(last()?.load1 ?? 0).toFixed(2)}</strong>
          </figcaption>
          <Sparkline values={props.samples.map((s) => s.load1)} label="CPU load over time" />
        </figure>
        <p class="muted small">Last {formatDuration(span())}, sampled from live updates.</p>
      </Show>
    </div>
  )
}
