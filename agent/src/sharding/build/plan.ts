/**
 * What a build of the RPC binaries runs, from its options alone (pure): the cmake configure and build
 * command lines and the targets. Everything else of llama.cpp (tests, examples, the web UI, OpenSSL,
 * curl) is off: two binaries, statically linked so a cache entry is self-contained.
 */

export type RpcBackend = 'cpu' | 'cuda' | 'vulkan'
export type CmakeGenerator = 'Ninja' | 'Unix Makefiles'

/** The two targets, built one after the other so each step's cost is known (specs/sharding.md). */
export const BUILD_TARGETS = ['ggml-rpc-server', 'llama-server'] as const

export interface BuildPlanOptions {
  backend: RpcBackend
  /** `-DGGML_NATIVE=ON`: code for this CPU only (faster; the binaries may not run on another box). */
  native: boolean
  generator: CmakeGenerator
  /** Parallel compile jobs. */
  jobs: number
}

const BACKEND_FLAGS: Record<RpcBackend, string[]> = {
  cpu: [],
  cuda: ['-DGGML_CUDA=ON'],
  vulkan: ['-DGGML_VULKAN=ON']
}

/** `cmake -S src -B build …`: the configure step. */
export function configureArgs(srcDir: string, buildDir: string, o: BuildPlanOptions): string[] {
  return [
    '-S', srcDir,
    '-B', buildDir,
    '-G', o.generator,
    '-DCMAKE_BUILD_TYPE=Release',
    '-DGGML_RPC=ON',
    `-DGGML_NATIVE=${o.native ? 'ON' : 'OFF'}`,
    '-DLLAMA_BUILD_TESTS=OFF',
    '-DLLAMA_BUILD_EXAMPLES=OFF',
    '-DLLAMA_USE_PREBUILT_UI=OFF',
    '-DLLAMA_OPENSSL=OFF',
    '-DLLAMA_CURL=OFF',
    '-DBUILD_SHARED_LIBS=OFF',
    ...BACKEND_FLAGS[o.backend]
  ]
}

/** `cmake --build build --target T -j N`: one target (ninja or make underneath, per the generator). */
export function buildTargetArgs(buildDir: string, target: string, o: Pick<BuildPlanOptions, 'jobs'>): string[] {
  return ['--build', buildDir, '--target', target, '-j', String(o.jobs)]
}
