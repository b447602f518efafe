/**
 * What a build of sd-server runs, from its options alone (pure): the pinned source and the cmake
 * configure line. WebP/WebM output and the web UI are off (their submodules are not fetched); the
 * binary is self-contained (static libraries).
 */
import { join } from 'node:path'
import type { CmakeGenerator, RpcBackend } from '../sharding/build/index.js'

/** stable-diffusion.cpp at the commit llmlb was checked with (2026-08-19). */
export const SD_COMMIT = '97d2990807fe6d558e395f8764198d7c7e7b411c'
export const SD_REPO = 'https://github.com/leejet/stable-diffusion.cpp'
export const SD_SERVER_BINARY = 'sd-server'

/** Where sd-server builds are cached: `<data-dir>/sdcpp`. */
export const sdCacheRoot = (dataDir: string): string => join(dataDir, 'sdcpp')

const BACKEND_FLAGS: Record<RpcBackend, string[]> = {
  cpu: [],
  cuda: ['-DSD_CUDA=ON'],
  vulkan: ['-DSD_VULKAN=ON']
}

export function sdConfigureArgs(src: string, out: string, o: { backend: RpcBackend; native: boolean; generator: CmakeGenerator }): string[] {
  return [
    '-S', src,
    '-B', out,
    '-G', o.generator,
    '-DCMAKE_BUILD_TYPE=Release',
    '-DSD_BUILD_EXAMPLES=ON',
    '-DSD_WEBP=OFF',
    '-DSD_WEBM=OFF',
    '-DSD_SERVER_BUILD_FRONTEND=OFF',
    '-DBUILD_SHARED_LIBS=OFF',
    `-DGGML_NATIVE=${o.native ? 'ON' : 'OFF'}`,
    ...BACKEND_FLAGS[o.backend]
  ]
}

/** Cache key: source commit, backend, native or portable code, machine architecture. */
export function sdCacheKey(commit: string, backend: string, native: boolean, machine = process.arch): string {
  return `${commit.slice(0, 12)}-${backend}-${native ? 'native' : 'portable'}-${machine}`
}
