// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import {
  formatAge,
  formatBytes,
  formatCompact,
  formatDuration,
  formatInteger,
  formatPercent,
  formatTimestamp,
  formatTokensPerSecond,
  formatUptime
} from '../../../ui/src/lib/format.js'

describe('formatBytes', () => {
  it('uses binary units with at most three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(493_888)).toBe('482 KiB')
    expect(formatBytes(12 * 2 ** 20)).toBe('12 MiB')
    expect(formatBytes(7.8 * 2 ** 30)).toBe('7.8 GiB')
    expect(formatBytes(80 * 2 ** 30)).toBe('80 GiB')
  })
  it('shows a dash for unknown values', () => {
    expect(formatBytes(undefined)).toBe('—')
    expect(formatBytes(-1)).toBe('—')
    expect(formatBytes(Number.NaN)).toBe('—')
  })
})

describe('formatDuration', () => {
  it('picks the unit by size', () => {
    expect(formatDuration(0)).toBe('0 ms')
    expect(formatDuration(850)).toBe('850 ms')
    expect(formatDuration(1250)).toBe('1.25 s')
    expect(formatDuration(42_000)).toBe('42 s')
    expect(formatDuration(200_000)).toBe('3 m 20 s')
    expect(formatDuration(120_000)).toBe('2 m')
    expect(formatDuration(7_500_000)).toBe('2 h 5 m')
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h')
    expect(formatDuration(null)).toBe('—')
  })
})

describe('formatTokensPerSecond', () => {
  it('shows one decimal below 100 and grouping above', () => {
    expect(formatTokensPerSecond(42.345)).toBe('42.3 tok/s')
    expect(formatTokensPerSecond(1568.2)).toBe('1,568 tok/s')
  })
  it('shows a dash before the first sample', () => {
    expect(formatTokensPerSecond(0)).toBe('—')
    expect(formatTokensPerSecond(undefined)).toBe('—')
  })
})

describe('counts and times', () => {
  it('formats integers, compact numbers and percentages', () => {
    expect(formatInteger(1234567)).toBe('1,234,567')
    expect(formatInteger(-1200)).toBe('-1,200')
    expect(formatCompact(950)).toBe('950')
    expect(formatCompact(1200)).toBe('1.2k')
    expect(formatCompact(34_000)).toBe('34k')
    expect(formatCompact(1_500_000)).toBe('1.5M')
    expect(formatCompact(2_000_000_000)).toBe('2B')
    expect(formatPercent(0.374)).toBe('37%')
    expect(formatPercent(3)).toBe('100%')
  })
  it('formats ages, uptimes and timestamps', () => {
    expect(formatAge(500)).toBe('just now')
    expect(formatAge(12_000)).toBe('12 s ago')
    expect(formatAge(5 * 60_000)).toBe('5 m ago')
    expect(formatAge(2 * 3_600_000)).toBe('2 h ago')
    expect(formatUptime(1000, 61_000)).toBe('1 m')
    expect(formatTimestamp('2025-01-31T08:05:09Z', true)).toBe('2025-01-31 08:05:09')
    expect(formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5), true)).toBe('2025-01-02 03:04:05')
    expect(formatTimestamp('not a date')).toBe('not a date')
  })
})
