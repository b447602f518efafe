/**
 * Runs the test files that need llama.cpp's RPC binaries last. Files run one at a time
 * (`fileParallelism: false`), and on a fresh machine the binaries are still compiling in the background
 * when the suite starts (scripts/ensure-rpc-binaries.mjs): a sharding file scheduled early would hold
 * the whole suite while it waits for the build. Last, they find the compile done, or nearly, having
 * used the CPU the rest of the suite left idle. Otherwise vitest's own order.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/** Files that run the RPC binaries: the sharding tests and the dashboard's split-model test. */
export const needsRpcBinaries = (moduleId: string): boolean => /[\\/]test[\\/](integration[\\/]sharding[\\/]|e2e[\\/]sharding)/.test(moduleId)

export class RpcLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    return [...sorted.filter((f) => !needsRpcBinaries(f.moduleId)), ...sorted.filter((f) => needsRpcBinaries(f.moduleId))]
  }
}
