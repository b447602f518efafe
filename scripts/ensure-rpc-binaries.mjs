#!/usr/bin/env node
// Makes sure the machine has RPC binaries for the installed llama.cpp bundle for the sharding tests:
// `llmlb rpc build` into the machine cache ($LLMLB_RPC_CACHE, else ~/.cache/llmlb/rpc). A no-op once
// built. The first time it compiles llama.cpp (about 11 minutes of 2 cores), so it starts the build in
// the background at low priority and returns: the suite runs meanwhile, and the sharding tests wait for
// the build's lock (test/helpers/rpc-binaries.ts) — on a fresh machine the compile fills the time the
// suite leaves the cores idle instead of adding 11 minutes before it. `--wait` builds in the foreground.
// Runs after `npm run build` (it uses the built CLI). A CPU build unless LLMLB_TEST_RPC_GPU says
// otherwise (auto, cuda, vulkan): the tests run tiny models on loopback, and a CUDA build costs far more.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, openSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const usage = 'usage: node scripts/ensure-rpc-binaries.mjs [--wait]   (runs in npm test, after the build) — builds the RPC binaries into $LLMLB_RPC_CACHE or ~/.cache/llmlb/rpc unless they are cached'
const args = process.argv.slice(2)
if (args.some((a) => a !== '--wait')) {
  process.stderr.write(`${usage}\n`)
  process.exit(2)
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'dist', 'agent', 'src', 'cli', 'main.js')
if (!existsSync(cli)) {
  process.stderr.write(`llmlb: ${cli} is missing: run npm run build first\n`)
  process.exit(1)
}
const cache = process.env.LLMLB_RPC_CACHE ?? join(homedir(), '.cache', 'llmlb', 'rpc')
const gpu = process.env.LLMLB_TEST_RPC_GPU ?? 'cpu'
const build = [cli, 'rpc', 'build', '--rpc-cache', cache, '--gpu', gpu]
if (args.includes('--wait')) {
  const r = spawnSync(process.execPath, build, { stdio: 'inherit' })
  process.exit(r.status ?? 1)
}
const status = spawnSync(process.execPath, [cli, 'rpc', 'status', '--rpc-cache', cache, '--json'], { encoding: 'utf8' })
let cached = false
try {
  const entries = JSON.parse(status.stdout).entries ?? []
  cached = entries.some((e) => e.usable && (gpu === 'auto' || e.backend === gpu))
} catch {
  cached = false
}
if (cached) process.exit(0)
mkdirSync(cache, { recursive: true })
const log = join(cache, 'background-build.log')
const out = openSync(log, 'w')
// nice: the suite's processes come first; the compile takes what they leave
const hasNice = spawnSync('nice', ['true']).status === 0
const child = spawn(hasNice ? 'nice' : process.execPath, hasNice ? ['-n', '15', process.execPath, ...build] : build, { detached: true, stdio: ['ignore', out, out] })
child.unref()
process.stdout.write(`llmlb: building the RPC binaries in the background (log: ${log}); the sharding tests wait for it\n`)
