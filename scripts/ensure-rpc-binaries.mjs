#!/usr/bin/env node
// Makes sure the machine has RPC binaries for the installed llama.cpp bundle before the test suite runs
// (the sharding tests run them): `llmlb rpc build` into the machine cache ($LLMLB_RPC_CACHE, else
// ~/.cache/llmlb/rpc). A no-op once built; the first time it compiles llama.cpp, about 11 minutes of 2
// cores. Runs after `npm run build` (it uses the built CLI). A CPU build unless LLMLB_TEST_RPC_GPU says
// otherwise (auto, cuda, vulkan): the tests run tiny models on loopback, and a CUDA build costs far more.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { noOptions } from './plain-script-args.mjs'

noOptions('usage: node scripts/ensure-rpc-binaries.mjs   (runs in npm test, after the build) — builds the RPC binaries into $LLMLB_RPC_CACHE or ~/.cache/llmlb/rpc unless they are cached')

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'dist', 'agent', 'src', 'cli', 'main.js')
if (!existsSync(cli)) {
  process.stderr.write(`llmlb: ${cli} is missing: run npm run build first\n`)
  process.exit(1)
}
const cache = process.env.LLMLB_RPC_CACHE ?? join(homedir(), '.cache', 'llmlb', 'rpc')
const gpu = process.env.LLMLB_TEST_RPC_GPU ?? 'cpu'
const r = spawnSync(process.execPath, [cli, 'rpc', 'build', '--rpc-cache', cache, '--gpu', gpu], { stdio: 'inherit' })
process.exit(r.status ?? 1)
