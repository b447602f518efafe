/** A horizontal bar for "busy of total" (slots, VRAM), with its numbers beside it. */
import { formatPercent } from '../lib/format.js'

export function Meter(props: { value: number; max: number; label: string; text?: string; testId?: string }) {
  const fraction = () => (props.max > 0 ? Math.min(1, Math.max(0, props.value / props.max)) : 0)
  const tone = () => (fraction() >= 0.9 ? 'bad' : fraction() >= 0.6 ? 'warn' : 'ok')
  return (
    <div class="meter" data-testid={props.testId}>
      <div class="meter-head">
        <span class="meter-label">{props.label}</span>
        <span class="meter-text">{props.text ?? `${props.value} / ${props.max}`}</span>
      </div>
      <div
        class="meter-track"
        role="meter"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={props.max}
        aria-valuenow={props.value}
        aria-valuetext={formatPercent(fraction())}
      >
        <div class={`meter-fill meter-${tone()}`} style={{ width: `${fraction() * 100}%` }} />
      </div>
    </div>
  )
}
