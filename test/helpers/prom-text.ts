/**
 * A strict parser of the Prometheus text exposition format 0.0.4, enough to check what `/metrics`
 * serves: `# HELP` / `# TYPE` lines, samples with labels (escaped values), and the structural rules
 * (every sample belongs to a declared family; histogram buckets are cumulative and end at +Inf with
 * the `_count` value). Throws on anything malformed.
 */

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  name: string
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'
  help: string
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function parseValue(s: string): number {
  // Go's ParseFloat spellings, case-insensitive (prom-client writes `Nan`)
  if (/^\+?inf$/i.test(s)) return Infinity
  if (/^-inf$/i.test(s)) return -Infinity
  if (/^nan$/i.test(s)) return NaN
  const v = Number(s)
  if (s === '' || Number.isNaN(v)) throw new Error(`bad sample value '${s}'`)
  return v
}

function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {}
  let i = 0
  while (i < s.length) {
    const eq = s.indexOf('=', i)
    if (eq < 0) throw new Error(`bad labels '${s}'`)
    const name = s.slice(i, eq).trim()
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name '${name}'`)
    if (s[eq + 1] !== '"') throw new Error(`unquoted label value in '${s}'`)
    let j = eq + 2
    let value = ''
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === '\\') {
        const c = s[++j]
        value += c === 'n' ? '\n' : (c ?? '')
      } else value += s[j]
    }
    if (j >= s.length) throw new Error(`unterminated label value in '${s}'`)
    if (name in out) throw new Error(`duplicate label ${name}`)
    out[name] = value
    i = j + 1
    if (s[i] === ',') i++
  }
  return out
}

function parseSample(line: string): Sample {
  const brace = line.indexOf('{')
  const space = line.indexOf(' ')
  let name: string
  let labels: Record<string, string> = {}
  let rest: string
  if (brace >= 0 && (space < 0 || brace < space)) {
    const close = line.lastIndexOf('}')
    if (close < brace) throw new Error(`unterminated labels: ${line}`)
    name = line.slice(0, brace)
    labels = parseLabels(line.slice(brace + 1, close))
    rest = line.slice(close + 1).trim()
  } else {
    name = line.slice(0, space)
    rest = line.slice(space + 1).trim()
  }
  if (!NAME.test(name)) throw new Error(`bad metric name '${name}'`)
  const [value, timestamp, extra] = rest.split(/\s+/)
  if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`bad sample: ${line}`)
  return { name, labels, value: parseValue(value ?? '') }
}

/** The family a sample name belongs to (histogram and summary samples have suffixes). */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  if (families.has(name)) return families.get(name)
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const f = families.get(name.slice(0, -suffix.length))
      if (f && (f.type === 'histogram' || f.type === 'summary')) return f
    }
  }
  return undefined
}

function checkHistogram(f: Family): void {
  const series = new Map<string, Sample[]>()
  for (const s of f.samples.filter((x) => x.name === `${f.name}_bucket`)) {
    const { le, ...rest } = s.labels
    if (le === undefined) throw new Error(`${f.name}: bucket without le`)
    const key = JSON.stringify(rest)
    series.set(key, [...(series.get(key) ?? []), s])
  }
  for (const [key, buckets] of series) {
    let prev = -Infinity
    let prevCount = 0
    for (const b of buckets) {
      const le = parseValue(b.labels.le as string)
      if (le <= prev) throw new Error(`${f.name}${key}: buckets not increasing`)
      if (b.value < prevCount) throw new Error(`${f.name}${key}: bucket counts not cumulative`)
      prev = le
      prevCount = b.value
    }
    if (prev !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket`)
    const count = f.samples.find((s) => s.name === `${f.name}_count` && JSON.stringify(s.labels) === key)
    if (!count || count.value !== prevCount) throw new Error(`${f.name}${key}: _count does not match the +Inf bucket`)
  }
}

/** Parses and checks an exposition; returns the families by name. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd()
    if (line === '') continue
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
      if (!m) continue
      const [, kind, name, arg] = m as unknown as [string, string, string, string]
      if (!NAME.test(name)) throw new Error(`bad metric name in ${line}`)
      const f = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] }
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(arg)) throw new Error(`bad type in ${line}`)
        if (f.samples.length > 0) throw new Error(`TYPE after samples for ${name}`)
        f.type = arg as Family['type']
      } else f.help = arg
      families.set(name, f)
      continue
    }
    const s = parseSample(line)
    const f = familyOf(s.name, families)
    if (!f) throw new Error(`sample ${s.name} has no declared family`)
    if (f.type === 'counter' && s.value < 0) throw new Error(`negative counter ${s.name}`)
    f.samples.push(s)
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f)
  return families
}

/** Sum of the samples named `name` whose labels include `labels`. */
export function sampleSum(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  let total = 0
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value
    }
  }
  return total
}
