import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { arch } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findRpcBinaries, readCacheEntry, type RpcManifest } from '../../../../agent/src/sharding/index.js'
import { tempDir } from '../../../helpers/agent-process.js'

const COMMIT = 'a'.repeat(40)
const manifest = (over: Partial<RpcManifest> = {}): RpcManifest => ({ bundleCommit: COMMIT, protocol: '6.0.0', backend: 'cpu', native: true, arch: arch(), builtAt: 1, buildSeconds: 1, ...over })

/** A cache entry folder with both binaries; the manifest only when given. */
async function entry(root: string, name: string, m?: RpcManifest): Promise<void> {
  await mkdir(join(root, name, 'bin'), { recursive: true })
  for (const bin of ['ggml-rpc-server', 'llama-server']) {
    await writeFile(join(root, name, 'bin', bin), '#!/bin/sh\n')
    await chmod(join(root, name, 'bin', bin), 0o755)
  }
  if (m) await writeFile(join(root, name, 'manifest.json'), JSON.stringify(m))
}

describe('findRpcBinaries over a cache with unfinished builds', () => {
  it('ignores a .partial folder (even with its manifest written) and a folder without a manifest', async () => {
    const root = await tempDir('llmlb-rpc-cache-')
    await entry(root, 'k-cpu-native-x64.partial-4242', manifest())
    await entry(root, 'k-cpu-native-x64')
    expect(await findRpcBinaries(root, { commit: COMMIT })).toBeUndefined()
    expect(await readCacheEntry(root, 'k-cpu-native-x64.partial-4242')).toBeUndefined()
    await writeFile(join(root, 'k-cpu-native-x64', 'manifest.json'), JSON.stringify(manifest()))
    expect(await findRpcBinaries(root, { commit: COMMIT })).toMatchObject({ key: 'k-cpu-native-x64', protocol: '6.0.0', backend: 'cpu' })
  })

  it('ignores other bundles, other architectures and a missing binary; prefers a GPU build', async () => {
    const root = await tempDir('llmlb-rpc-cache-')
    await entry(root, 'old', manifest({ bundleCommit: 'b'.repeat(40) }))
    await entry(root, 'arm', manifest({ arch: arch() === 'arm64' ? 'x64' : 'arm64', backend: 'cuda' }))
    await entry(root, 'half', manifest({ backend: 'vulkan' }))
    await chmod(join(root, 'half', 'bin', 'llama-server'), 0o644)
    expect(await findRpcBinaries(root, { commit: COMMIT })).toBeUndefined()
    await entry(root, 'cpu', manifest())
    await entry(root, 'gpu', manifest({ backend: 'cuda' }))
    expect((await findRpcBinaries(root, { commit: COMMIT }))?.key).toBe('gpu')
    expect((await findRpcBinaries(root, { commit: COMMIT, backend: 'cpu' }))?.key).toBe('cpu')
  })

  it('a cache root that does not exist offers nothing', async () => {
    expect(await findRpcBinaries(join(await tempDir(), 'none'), { commit: COMMIT })).toBeUndefined()
  })
})
