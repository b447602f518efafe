/**
 * The top self times of a V8 CPU profile (`node --cpu-prof`, or agents started by a bench with
 * `LLMLB_BENCH_CPU_PROF=<dir>`): `node dist/scripts/bench/profile-top.js <file.cpuprofile> [n]`.
 * A flame graph needs a viewer; this list is what the specs quote as a profile's top items.
 */
import { readFileSync } from 'node:fs'

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
  samples: number[]
  timeDeltas: number[]
}

/** Self time (µs) per function, keyed `name file:line`, with node_modules and dist paths shortened. */
function selfTimes(p: CpuProfile): Map<string, number> {
  const byId = new Map(p.nodes.map((x) => [x.id, x]))
  const out = new Map<string, number>()
  p.samples.forEach((id, i) => {
    const cf = byId.get(id)?.callFrame
    if (!cf) return
    const key = `${cf.functionName || '(anonymous)'} ${cf.url.replace(/.*\/(node_modules|dist)\//, '$1/')}:${cf.lineNumber + 1}`
    out.set(key, (out.get(key) ?? 0) + (p.timeDeltas[i] ?? 0))
  })
  return out
}

function main(): void {
  const [file, n = '30'] = process.argv.slice(2)
  if (!file) throw new Error('usage: profile-top <file.cpuprofile> [n]')
  const times = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile)
  const idle = [...times].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0)
  const total = [...times.values()].reduce((a, v) => a + v, 0)
  const busy = total - idle
  console.log(`sampled ${(total / 1000).toFixed(0)} ms, busy ${(busy / 1000).toFixed(0)} ms`)
  for (const [k, v] of [...times].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, Number(n))) {
    console.log(`${(v / 1000).toFixed(1).padStart(8)} ms ${((100 * v) / busy).toFixed(1).padStart(5)} %  ${k}`)
  }
}

main()
