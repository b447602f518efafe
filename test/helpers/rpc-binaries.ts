/**
 * The RPC binaries the sharding tests run: the machine cache that `npm test`'s set-up fills once per
 * machine (`scripts/ensure-rpc-binaries.mjs`), keyed by the bundle commit so a bundle bump rebuilds.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { findRpcBinaries, type RpcBinaries } from '../../agent/src/sharding/index.js'
import { REPO_ROOT } from './agent-process.js'

/** The machine-wide cache of built RPC binaries: `$LLMLB_RPC_CACHE`, else `~/.cache/llmlb/rpc`. */
export function machineRpcCache(): string {
  return process.env.LLMLB_RPC_CACHE ?? join(homedir(), '.cache', 'llmlb', 'rpc')
}

/** The cached binaries for this bundle; throws how to build them when there are none. */
export async function rpcBinaries(): Promise<RpcBinaries> {
  const cache = machineRpcCache()
  const found = await findRpcBinaries(cache)
  if (!found) {
    throw new Error(
      `no RPC binaries for this llama.cpp bundle in ${cache}: run npm test's set-up: \`node ${join(REPO_ROOT, 'dist/agent/src/cli/main.js')} rpc build --rpc-cache ${cache}\` (about 11 minutes on 2 cores)`
    )
  }
  return found
}
