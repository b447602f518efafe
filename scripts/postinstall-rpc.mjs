#!/usr/bin/env node
// Opt-in at install: `LLMLB_BUILD_RPC=1 npm install -g llmlb-<v>.tgz` builds the RPC binaries that split
// a model over several boxes (`llmlb rpc build`: about 11 minutes on 2 cores) into the default cache,
// ~/.llmlb/rpc (or $LLMLB_RPC_CACHE, or $LLMLB_DATA_DIR/rpc). Without the variable nothing happens. A
// failed build does not fail the install: llmlb works without sharding, and `llmlb rpc build` retries.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { noOptions } from './plain-script-args.mjs'

noOptions('usage: LLMLB_BUILD_RPC=1 node scripts/postinstall-rpc.mjs   (runs at npm install) — builds the RPC binaries for sharding; without LLMLB_BUILD_RPC=1 it does nothing')

if (!['1', 'true', 'yes'].includes((process.env.LLMLB_BUILD_RPC ?? '').toLowerCase())) process.exit(0)
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'agent', 'src', 'cli', 'main.js')
if (!existsSync(cli)) {
  // a source checkout before `npm run build`
  process.stderr.write('llmlb: LLMLB_BUILD_RPC=1 but llmlb is not built yet: run `npm run build`, then `llmlb rpc build`\n')
  process.exit(0)
}
process.stderr.write('llmlb: building the RPC binaries for sharding (LLMLB_BUILD_RPC=1; about 11 minutes on 2 cores)…\n')
const r = spawnSync(process.execPath, [cli, 'rpc', 'build'], { stdio: 'inherit' })
if (r.status !== 0) process.stderr.write('llmlb: installed without sharding: the RPC build did not succeed (see above); run `llmlb rpc build` to try again\n')
