/**
 * Stacked vertical bars in inline SVG, with a value axis, period labels and a legend. Each bar has a
 * <title> so a hover shows exact numbers; a table below the chart carries the same data for readers.
 */
import { For, Index, Show } from 'solid-js'
import { layoutStackedBars, type StackedBar } from '../lib/chart.js'

const PLOT = { width: 720, height: 220, left: 56, bottom: 28, top: 8, right: 8 }
/** Widest bar (plot units): a day or two of data stays a bar, not a slab. */
const MAX_BAR_WIDTH = 56

export function StackedBarChart(props: {
  bars: StackedBar[]
  groups: string[]
  format: (n: number) => string
  formatLabel?: (label: string) => string
  label: string
}) {
  const layout = () => layoutStackedBars(props.bars, PLOT.width, PLOT.height, 0.25, MAX_BAR_WIDTH)
  const color = (key: string) => `var(--series-${(props.groups.indexOf(key) % 8) + 1})`
  const every = () => Math.max(1, Math.ceil(props.bars.length / 12))
  const fullW = PLOT.left + PLOT.width + PLOT.right
  const fullH = PLOT.top + PLOT.height + PLOT.bottom
  return (
    <figure class="chart" data-testid="bar-chart">
      <svg viewBox={`0 0 ${fullW} ${fullH}`} role="img" aria-label={props.label} preserveAspectRatio="xMinYMin meet">
        <g transform={`translate(${PLOT.left} ${PLOT.top})`}>
          <For each={layout().ticks}>
            {(t) => {
              const y = () => PLOT.height - (t / layout().max) * PLOT.height
              return (
                <g class="chart-tick">
                  <line x1="0" x2={PLOT.width} y1={y()} y2={y()} />
                  <text x="-8" y={y()} dy="0.32em" text-anchor="end">
                    {props.format(t)}
                  </text>
                </g>
              )
            }}
          </For>
          <Index each={layout().bars}>
            {(bar, i) => (
              <g class="chart-bar" data-testid="chart-bar">
                <For each={bar().rects}>
                  {(r) => (
                    <rect x={r.x} y={r.y} width={r.width} height={r.height} style={{ fill: color(r.key) }}>
                      <title>{`${bar().label} · ${r.key}: ${props.format(r.value)}`}</title>
                    </rect>
                  )}
                </For>
                <Show when={i % every() === 0}>
                  <text class="chart-label" x={bar().x + bar().width / 2} y={PLOT.height + 18} text-anchor="middle">
                    {props.formatLabel ? props.formatLabel(bar().label) : bar().label}
                  </text>
                </Show>
              </g>
            )}
          </Index>
          <line class="chart-axis" x1="0" x2={PLOT.width} y1={PLOT.height} y2={PLOT.height} />
        </g>
      </svg>
      <figcaption class="legend">
        <For each={props.groups}>
          {(g) => (
            <span class="legend-item">
              <span class="legend-swatch" style={{ background: color(g) }} />
              {g}
            </span>
          )}
        </For>
      </figcaption>
    </figure>
  )
}
