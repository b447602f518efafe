/**
 * The RPC binaries the sharding tests run: the machine cache that `npm test`'s set-up fills once per
 * machine (`scripts/ensure-rpc-binaries.mjs`, in the background on a fresh machine), keyed by the bundle
 * commit so a bundle bump rebuilds.
 */
import { spawn } from 'node:child_process'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { findRpcBinaries, type RpcBinaries } from '../../agent/src/sharding/index.js'
import { REPO_ROOT } from './agent-process.js'

/**
 * How long a test may wait for the binaries: on a fresh machine the set-up's background build (about
 * 11 minutes of 2 cores, at low priority beside the suite) may still be running. Use it as the timeout
 * of the hook that calls `rpcBinaries()`.
 */
export const RPC_BINARIES_WAIT_MS = 40 * 60_000

/** The machine-wide cache of built RPC binaries: `$LLMLB_RPC_CACHE`, else `~/.cache/llmlb/rpc`. */
export function machineRpcCache(): string {
  return process.env.LLMLB_RPC_CACHE ?? join(homedir(), '.cache', 'llmlb', 'rpc')
}

const CLI = join(REPO_ROOT, 'dist', 'agent', 'src', 'cli', 'main.js')
let ready: Promise<RpcBinaries> | undefined

/**
 * The cached binaries for this bundle. When there are none yet, `llmlb rpc build` is run: it waits on
 * the lock of a build in progress (the set-up's) and then answers "cached", or builds them itself.
 */
export function rpcBinaries(): Promise<RpcBinaries> {
  ready ??= (async () => {
    const cache = machineRpcCache()
    const gpu = process.env.LLMLB_TEST_RPC_GPU ?? 'cpu'
    const found = await findRpcBinaries(cache, gpu === 'auto' ? {} : { backend: gpu })
    if (found) return found
    const code = await new Promise<number | null>((resolve, reject) => {
      const p = spawn(process.execPath, [CLI, 'rpc', 'build', '--rpc-cache', cache, '--gpu', gpu], { stdio: ['ignore', 'ignore', 'inherit'] })
      p.once('error', reject)
      p.once('exit', resolve)
    })
    const built = await findRpcBinaries(cache)
    if (!built) throw new Error(`no RPC binaries for this llama.cpp bundle in ${cache} (\`llmlb rpc build\` exited ${code}): run \`node ${CLI} rpc build --rpc-cache ${cache}\` (about 11 minutes on 2 cores)`)
    return built
  })()
  ready.catch(() => (ready = undefined))
  return ready
}
