/** The RPC binaries built for this machine (`llmlb rpc build`), found in the machine cache. */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { findRpcBinaries, type RpcBinaries } from '../../agent/src/sharding/index.js'

export const RPC_CACHE = process.env.LLMLB_RPC_CACHE ?? join(homedir(), '.cache/llmlb/rpc')

export async function rpcBinaries(): Promise<RpcBinaries> {
  const b = await findRpcBinaries(RPC_CACHE)
  if (!b) throw new Error(`no RPC binaries for this llama.cpp bundle in ${RPC_CACHE}: run \`llmlb rpc build --rpc-cache ${RPC_CACHE}\` once`)
  return b
}
