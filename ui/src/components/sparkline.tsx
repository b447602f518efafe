/** A tiny line chart of recent values (inline SVG, no axes). */
import { sparklinePath } from '../lib/chart.js'

export function Sparkline(props: { values: readonly number[]; max?: number; width?: number; height?: number; label: string; testId?: string }) {
  const w = () => props.width ?? 240
  const h = () => props.height ?? 48
  const path = () => sparklinePath(props.values, w(), h() - 2, props.max)
  return (
    <svg class="sparkline" viewBox={`0 -1 ${w()} ${h()}`} width={w()} height={h()} role="img" aria-label={props.label} data-testid={props.testId}>
      <line x1="0" x2={w()} y1={h() - 2} y2={h() - 2} class="sparkline-base" />
      <path d={path()} class="sparkline-line" fill="none" />
    </svg>
  )
}
