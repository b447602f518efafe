// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { axisTicks, layoutStackedBars, niceCeil, scaleLinear, sparklinePath } from '../../../ui/src/lib/chart.js'

describe('chart scaling', () => {
  it('rounds maxima up to 1, 2, 2.5, 5 × 10^k', () => {
    expect(niceCeil(0)).toBe(1)
    expect(niceCeil(0.3)).toBe(0.5)
    expect(niceCeil(7)).toBe(10)
    expect(niceCeil(13)).toBe(20)
    expect(niceCeil(21)).toBe(25)
    expect(niceCeil(250)).toBe(250)
    expect(niceCeil(1_234_567)).toBe(2_000_000)
  })

  it('spaces ticks evenly up to the nice maximum', () => {
    expect(axisTicks(90)).toEqual([0, 25, 50, 75, 100])
  })

  it('clamps the linear scale', () => {
    const y = scaleLinear(100, 200)
    expect(y(50)).toBe(100)
    expect(y(-5)).toBe(0)
    expect(y(500)).toBe(200)
  })

  it('stacks segments from the bottom of the plot', () => {
    const layout = layoutStackedBars(
      [
        { label: 'a', segments: [{ key: 'x', value: 30 }, { key: 'y', value: 20 }] },
        { label: 'b', segments: [{ key: 'x', value: 0 }, { key: 'y', value: 100 }] }
      ],
      200,
      100,
      0
    )
    expect(layout.max).toBe(100)
    const [a, b] = layout.bars
    expect(a?.rects).toEqual([
      { key: 'x', value: 30, x: 0, y: 70, width: 100, height: 30 },
      { key: 'y', value: 20, x: 0, y: 50, width: 100, height: 20 }
    ])
    expect(b?.rects).toEqual([{ key: 'y', value: 100, x: 100, y: 0, width: 100, height: 100 }])
    expect(a?.total).toBe(50)
  })

  it('keeps a lone bar narrow, centred in its slot', () => {
    const [only] = layoutStackedBars([{ label: 'a', segments: [{ key: 'x', value: 5 }] }], 720, 100, 0.25, 56).bars
    expect(only?.width).toBe(56)
    expect(only?.x).toBe((720 - 56) / 2)
  })

  it('draws a sparkline across the width', () => {
    expect(sparklinePath([0, 2, 4], 100, 40)).toBe('M0 40 L50 20 L100 0')
    expect(sparklinePath([1], 100, 40, 2)).toBe('M50 20')
    expect(sparklinePath([], 100, 40)).toBe('')
  })
})
