/**
 * A node with RPC binaries for its bundle gossips `rpcBuild` (it can coordinate a split model); a node
 * without them advertises nothing and otherwise works the same (real agents, real mesh).
 */
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { meshAddress, nodesOf, startAgent, stopAllAgents, tempDir, waitFor } from '../../helpers/agent-process.js'
import { machineRpcCache, rpcBinaries } from '../../helpers/rpc-binaries.js'

afterAll(stopAllAgents)

it('a built node advertises its protocol, bundle and backend; a node without a build advertises none', async () => {
  const bins = await rpcBinaries()
  const key = 'b7'.repeat(32)
  const built = await startAgent({ name: 'built', clusterKey: key, env: { LLMLB_RPC_CACHE: machineRpcCache() } })
  const bare = await startAgent({ name: 'bare', clusterKey: key, peers: [await meshAddress(built)], args: ['--rpc-cache', join(await tempDir(), 'rpc')] })
  const view = await waitFor(async () => {
    const nodes = (await nodesOf(bare)) as unknown as Array<{ name: string; self: boolean; rpcBuild?: unknown }>
    return nodes.some((n) => n.name === 'built') ? nodes : undefined
  }, 'the bare node to see the built one', 60_000)
  expect(view.find((n) => n.name === 'built')?.rpcBuild).toEqual({ protocol: bins.protocol, bundle: bins.bundleCommit, backend: bins.backend })
  expect(view.find((n) => n.self)?.rpcBuild).toBeUndefined()
})
