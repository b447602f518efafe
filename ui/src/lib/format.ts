/**
 * Number and time formatting for the dashboard. Pure: every function takes its inputs (including
 * "now") as arguments, so views stay deterministic and the functions are unit-tested.
 */

const DASH = '—'
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const

/** Bytes in binary units: 0 B, 512 B, 1.5 KiB, 12 MiB, 7.8 GiB (three significant digits at most). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return DASH
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${Math.round(value)} B`
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
  return `${trimZeros(value.toFixed(digits))} ${BYTE_UNITS[unit]}`
}

/** A duration given in milliseconds: 0 ms, 850 ms, 1.25 s, 42 s, 3 m 20 s, 2 h 5 m, 3 d 4 h. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return DASH
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 10) return `${trimZeros(s.toFixed(2))} s`
  if (s < 60) return `${Math.round(s)} s`
  const totalS = Math.floor(s)
  const d = Math.floor(totalS / 86_400)
  const h = Math.floor((totalS % 86_400) / 3600)
  const m = Math.floor((totalS % 3600) / 60)
  const sec = totalS % 60
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`
  if (h > 0) return m > 0 ? `${h} h ${m} m` : `${h} h`
  return sec > 0 ? `${m} m ${sec} s` : `${m} m`
}

/** Generation speed: "42.3 tok/s", "1,250 tok/s"; "—" when unknown or zero (no sample yet). */
export function formatTokensPerSecond(tps: number | null | undefined): string {
  if (tps === null || tps === undefined || !Number.isFinite(tps) || tps <= 0) return DASH
  if (tps >= 100) return `${formatInteger(Math.round(tps))} tok/s`
  return `${tps.toFixed(1)} tok/s`
}

/** An integer with thousands separators (en-US grouping, stable across locales for tests). */
export function formatInteger(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH
  const sign = n < 0 ? '-' : ''
  const digits = String(Math.round(Math.abs(n)))
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** A count in compact form for axes and badges: 950, 1.2k, 34k, 1.5M, 2.1B. */
export function formatCompact(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH
  const abs = Math.abs(n)
  const units: [number, string][] = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k']
  ]
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const v = n / size
      return `${trimZeros(v.toFixed(Math.abs(v) >= 10 ? 0 : 1))}${suffix}`
    }
  }
  return String(Math.round(n))
}

/** A fraction 0..1 as a whole percentage: "0%", "37%", "100%". */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return DASH
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`
}

/** How long ago, from a millisecond age: "just now", "12 s ago", "5 m ago", "2 h ago", "3 d ago". */
export function formatAge(msAgo: number | null | undefined): string {
  if (msAgo === null || msAgo === undefined || !Number.isFinite(msAgo)) return DASH
  if (msAgo < 2000) return 'just now'
  const s = Math.floor(msAgo / 1000)
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} m ago`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86_400)} d ago`
}

/** Uptime from a start time (epoch ms) and now (epoch ms). */
export function formatUptime(startedAtMs: number, nowMs: number): string {
  if (!startedAtMs) return DASH
  return formatDuration(Math.max(0, nowMs - startedAtMs))
}

/**
 * A timestamp (epoch ms or ISO string) as local "YYYY-MM-DD HH:MM:SS". `utc` renders in UTC
 * (tests), otherwise the browser's zone.
 */
export function formatTimestamp(time: number | string | null | undefined, utc = false): string {
  if (time === null || time === undefined || time === '') return DASH
  const d = new Date(time)
  if (Number.isNaN(d.getTime())) return String(time)
  const p = (n: number): string => String(n).padStart(2, '0')
  const [y, mo, da, h, mi, s] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()]
  return `${y}-${p(mo)}-${p(da)} ${p(h)}:${p(mi)}:${p(s)}`
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s
}
