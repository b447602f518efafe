/**
 * `llmlb sd build`: stable-diffusion.cpp's sd-server for native image generation (`serve --sd-model`),
 * built on this box and cached under `<data-dir>/sdcpp` (specs/images.md, "Native image generation").
 * Exit codes as `llmlb rpc build`: 0 built or cached, 1 the build failed (the log's tail is shown),
 * 2 this box cannot build (toolchain or GPU toolkit missing, not a checkout).
 */
import type { BackendRequest } from '../sharding/build/index.js'
import { buildSdServer, sdCacheRoot } from '../sdcpp/index.js'
import { dataDirOf } from './credentials.js'
import { runBuildCommand } from './rpc.js'

export interface SdBuildFlags {
  dataDir?: string
  source?: string
  gpu?: BackendRequest
  jobs?: string
  portable?: boolean
  force?: boolean
}

export async function sdBuildCommand(flags: SdBuildFlags): Promise<void> {
  await runBuildCommand('llmlb sd build', flags.jobs, async (o) => {
    const r = await buildSdServer({ cacheRoot: sdCacheRoot(dataDirOf(flags)), source: flags.source, gpu: flags.gpu ?? 'auto', portable: flags.portable, force: flags.force, ...o })
    const b = r.build
    return `${r.cached ? 'cached' : `built in ${r.seconds} s`}: ${b.server} (stable-diffusion.cpp ${b.commit.slice(0, 12)}, ${b.backend})`
  })
}
