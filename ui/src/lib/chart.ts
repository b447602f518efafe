/**
 * Geometry for the dashboard's small inline-SVG charts: "nice" axis maxima and ticks, stacked bar
 * layout, and sparkline paths. No DOM: the views only draw what these return.
 */

/** The smallest "nice" number (1, 2, 2.5, 5 × 10^k) at or above `value`; 1 for zero or less. */
export function niceCeil(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 1
  const exp = Math.floor(Math.log10(value))
  const base = 10 ** exp
  for (const step of [1, 2, 2.5, 5, 10]) {
    const candidate = step * base
    // tolerate float noise (0.30000000000000004)
    if (candidate >= value * (1 - 1e-12)) return Number(candidate.toPrecision(12))
  }
  return 10 * base
}

/** Evenly spaced ticks from 0 to niceCeil(max), `count` intervals (default 4). */
export function axisTicks(max: number, count = 4): number[] {
  const top = niceCeil(max)
  const out: number[] = []
  for (let i = 0; i <= count; i++) out.push(Number(((top * i) / count).toPrecision(12)))
  return out
}

/** Maps 0..domainMax onto 0..rangePx linearly, clamped. */
export function scaleLinear(domainMax: number, rangePx: number): (v: number) => number {
  const max = domainMax > 0 ? domainMax : 1
  return (v) => Math.max(0, Math.min(rangePx, (v / max) * rangePx))
}

export interface StackSegment {
  key: string
  value: number
}

export interface StackedBar {
  label: string
  segments: StackSegment[]
}

export interface BarRect {
  key: string
  value: number
  x: number
  y: number
  width: number
  height: number
}

export interface BarLayout {
  /** Top of the value axis. */
  max: number
  ticks: number[]
  bars: { label: string; total: number; x: number; width: number; rects: BarRect[] }[]
}

/**
 * Lays out stacked vertical bars in a `width`×`height` plot area (pixels, y grows downwards).
 * `gap` is the fraction of each slot left empty between bars (default 0.25); a bar is never wider
 * than `maxBarWidth`, so one or two periods do not fill the plot with slabs.
 */
export function layoutStackedBars(bars: StackedBar[], width: number, height: number, gap = 0.25, maxBarWidth = Infinity): BarLayout {
  const totals = bars.map((b) => b.segments.reduce((s, x) => s + Math.max(0, x.value), 0))
  const max = niceCeil(Math.max(0, ...totals))
  const ticks = axisTicks(max)
  const y = scaleLinear(max, height)
  const slot = bars.length > 0 ? width / bars.length : width
  const barWidth = Math.max(1, Math.min(maxBarWidth, slot * (1 - gap)))
  return {
    max,
    ticks,
    bars: bars.map((b, i) => {
      const x = i * slot + (slot - barWidth) / 2
      let acc = 0
      const rects: BarRect[] = []
      for (const seg of b.segments) {
        const v = Math.max(0, seg.value)
        if (v === 0) continue
        const top = height - y(acc + v)
        const bottom = height - y(acc)
        rects.push({ key: seg.key, value: v, x, y: top, width: barWidth, height: bottom - top })
        acc += v
      }
      return { label: b.label, total: totals[i] ?? 0, x, width: barWidth, rects }
    })
  }
}

/**
 * An SVG path ("M x y L x y …") through `values` across `width`×`height`; the y axis runs from 0 at
 * the bottom to `max` (default: the largest value, at least 1) at the top. Empty input gives "".
 */
export function sparklinePath(values: readonly number[], width: number, height: number, max?: number): string {
  if (values.length === 0) return ''
  const top = max !== undefined && max > 0 ? max : Math.max(1, ...values)
  const step = values.length > 1 ? width / (values.length - 1) : 0
  return values
    .map((v, i) => {
      const x = values.length > 1 ? i * step : width / 2
      const clamped = Math.max(0, Math.min(top, v))
      const yy = height - (clamped / top) * height
      return `${i === 0 ? 'M' : 'L'}${round(x)} ${round(yy)}`
    })
    .join(' ')
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}
