/**
 * The pure parts of native image generation (specs/images.md, "Native image generation"): sd-server's
 * command line, the build's cmake line and cache key, and how the node finds a cached build (a folder
 * without its manifest, or another machine's, is never used).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { arch, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sdServerArgs } from '../../../../agent/src/engines/index.js'
import { buildSdServer, findSdServer, sdCacheKey, sdConfigureArgs, SdBuildError, SD_COMMIT } from '../../../../agent/src/sdcpp/index.js'

const dirs: string[] = []
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

async function entry(root: string, name: string, manifest: object | undefined, binary = true): Promise<void> {
  await mkdir(join(root, name, 'bin'), { recursive: true })
  if (binary) await writeFile(join(root, name, 'bin', 'sd-server'), '#!/bin/sh\n', { mode: 0o755 })
  if (manifest) await writeFile(join(root, name, 'manifest.json'), JSON.stringify(manifest))
}

describe('sd-server for --sd-model', () => {
  it('is given the model, loopback only, the threads and the extra arguments last', () => {
    expect(sdServerArgs({ model: '/m/sd.safetensors', args: ['--steps', '4'], threads: 2 }, 4321)).toEqual(['-m', '/m/sd.safetensors', '--listen-ip', '127.0.0.1', '--listen-port', '4321', '-t', '2', '--steps', '4'])
    expect(sdServerArgs({ model: 'x.gguf', args: [] }, 1)).not.toContain('-t')
  })

  it('is configured without the submodules it does not fetch, per backend and CPU target', () => {
    const cpu = sdConfigureArgs('/s', '/b', { backend: 'cpu', native: true, generator: 'Ninja' })
    expect(cpu).toEqual(expect.arrayContaining(['-S', '/s', '-B', '/b', '-G', 'Ninja', '-DSD_WEBP=OFF', '-DSD_WEBM=OFF', '-DSD_SERVER_BUILD_FRONTEND=OFF', '-DGGML_NATIVE=ON']))
    expect(cpu.some((a) => a.startsWith('-DSD_CUDA'))).toBe(false)
    expect(sdConfigureArgs('/s', '/b', { backend: 'cuda', native: false, generator: 'Unix Makefiles' })).toEqual(expect.arrayContaining(['-DSD_CUDA=ON', '-DGGML_NATIVE=OFF']))
    expect(sdCacheKey(SD_COMMIT, 'cpu', true, 'x64')).toBe(`${SD_COMMIT.slice(0, 12)}-cpu-native-x64`)
  })

  it('finds a complete build of this machine, a GPU one first', async () => {
    const root = await mkdtemp(join(tmpdir(), 'llmlb-sd-cache-'))
    dirs.push(root)
    expect(await findSdServer(root)).toBeUndefined()
    await entry(root, 'aaa-cpu-native', { commit: 'a'.repeat(40), backend: 'cpu', native: true, arch: arch() })
    await entry(root, 'bbb-cuda-native.partial-123', { commit: 'b'.repeat(40), backend: 'cuda', native: true, arch: arch() })
    await entry(root, 'ccc-cuda-native', undefined)
    await entry(root, 'ddd-cuda-native', { commit: 'd'.repeat(40), backend: 'cuda', native: true, arch: 'not-this-one' })
    expect((await findSdServer(root))?.dir).toBe(join(root, 'aaa-cpu-native'))
    await entry(root, 'eee-vulkan-native', { commit: 'e'.repeat(40), backend: 'vulkan', native: true, arch: arch() })
    expect(await findSdServer(root)).toMatchObject({ backend: 'vulkan', server: join(root, 'eee-vulkan-native', 'bin', 'sd-server') })
  })

  it('refuses a --source that is no checkout before building anything', async () => {
    const root = await mkdtemp(join(tmpdir(), 'llmlb-sd-cache-'))
    dirs.push(root)
    const err = await buildSdServer({ cacheRoot: root, source: root, gpu: 'cpu' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SdBuildError)
    expect((err as Error).message).toMatch(/not a stable-diffusion\.cpp checkout/)
  })
})
