/**
 * What a node gossips about its build (`NodeState.rpcBuild`): with binaries for its bundle it can
 * coordinate a split model whose workers speak the same protocol. Read once at start; a node without a
 * build (or without a compiler to make one) advertises nothing and simply does not offer sharding.
 */
import type { NodeState } from '../../../../mesh/src/index.js'
import { findRpcBinaries, rpcCacheRoot } from '../binaries.js'

export type RpcBuildAdvert = NonNullable<NodeState['rpcBuild']>

export async function rpcBuildAdvert(dataDir: string, cacheDir: string | undefined): Promise<RpcBuildAdvert | undefined> {
  const found = await findRpcBinaries(rpcCacheRoot(dataDir, cacheDir)).catch(() => undefined)
  return found ? { protocol: found.protocol, bundle: found.bundleCommit, backend: found.backend } : undefined
}
