/**
 * `npm run bench [-- section…]`: every benchmark side by side, printed as tables of ratios.
 * Sections: runtime, mesh, routing, routing-real, history, structured, responses, protocols, pull, proxy, multimodal, images, shard (default: all of them); `mesh-hop` is the
 * hop part of `mesh` alone.
 */
import '../../mesh/src/polyfill.js'
import { runtimeBench } from './runtime-bench.js'
import { routingSimBench } from './routing-bench.js'
import { routingRealBench } from './routing-real.js'
import { meshBench, meshHopBench } from './mesh-bench.js'
import { historyBench } from './history-bench.js'
import { structuredBench } from './structured-bench.js'
import { responsesBench } from './responses-bench.js'
import { pullBench } from './pull-bench.js'
import { protocolsBench } from './protocols-bench.js'
import { proxyBench } from './proxy-bench.js'
import { visionBench } from './vision-bench.js'
import { audioBench } from './audio-bench.js'
import { imagesBench } from './images-bench.js'
import { shardBench } from './shard-bench.js'
import { useScratchTmp } from '../scratch-tmp.js'
import { scriptArgs } from '../script-args.js'

/** Images and sound: the transcription real-time factor, then vision TTFT (API vs in-process each). */
async function multimodalBench(): Promise<void> {
  await audioBench()
  await visionBench()
}

const SECTIONS: Record<string, () => Promise<void>> = {
  runtime: runtimeBench,
  mesh: meshBench,
  'mesh-hop': meshHopBench,
  routing: routingSimBench,
  'routing-real': routingRealBench,
  history: historyBench,
  structured: structuredBench,
  responses: responsesBench,
  pull: pullBench,
  protocols: protocolsBench,
  proxy: proxyBench,
  multimodal: multimodalBench,
  images: imagesBench,
  shard: shardBench
}

const USAGE = `usage: npm run bench [-- section…]
Runs the benchmarks side by side and prints tables of ratios (see specs/benchmarks.md).
sections: ${Object.keys(SECTIONS).join(', ')} (default: all but mesh-hop, which is part of mesh)`
const { positionals: wanted } = scriptArgs(USAGE, {})
const names = wanted.length ? wanted : Object.keys(SECTIONS).filter((n) => n !== 'mesh-hop')
// agents' data dirs and generated models of the whole run, removed when it ends (even on Ctrl-C)
const cleanUp = useScratchTmp('llmlb-bench-run-')
process.once('exit', cleanUp)
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(sig === 'SIGINT' ? 130 : 143))
process.stdout.write(`# llmlb bench — ${new Date().toISOString()} — node ${process.version}\n`)
for (const n of names) {
  const fn = SECTIONS[n]
  if (!fn) {
    process.stderr.write(`error: unknown section ${n}\n${USAGE}\n`)
    process.exit(2)
  }
  await fn()
}
