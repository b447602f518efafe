/**
 * `llmlb rpc build` as a person runs it (the built CLI), with a fake toolchain first on PATH so no
 * real compile runs: the machine cache answers "cached" without calling a tool; a box without cmake
 * says what to install; two builds of one cache serialise on its lock and the second reuses the first's
 * entry; a failed build shows the log's tail and leaves nothing behind.
 */
import { spawn } from 'node:child_process'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bundleCommit, cacheKey, findRpcBinaries } from '../../../agent/src/sharding/index.js'
import { CLI, tempDir, waitFor } from '../../helpers/agent-process.js'
import { rpcBinaries } from '../../helpers/rpc-binaries.js'
import { within } from '../../helpers/within.js'
import { fakeToolchain } from './fake-toolchain.js'

interface Run {
  proc: ReturnType<typeof spawn>
  done: Promise<{ code: number | null; stdout: string; stderr: string }>
  stderr: () => string
}

function rpcCli(args: string[], env: Record<string, string>): Run {
  const proc = spawn(process.execPath, [CLI, 'rpc', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (d) => (stdout += d))
  proc.stderr.on('data', (d) => (stderr += d))
  const done = within(new Promise<number | null>((r) => proc.once('close', (code) => r(code))), `llmlb rpc ${args.join(' ')} to exit`).then((code) => ({ code, stdout, stderr }))
  return { proc, done, stderr: () => stderr }
}

/** The cache key a cpu build of this machine's bundle gets. */
async function cpuKey(): Promise<string> {
  return cacheKey(await bundleCommit(), 'cpu', true)
}

describe('llmlb rpc build', () => {
  it('answers "cached" from the machine cache without calling cmake or git, leaving the entry untouched', async () => {
    const bins = await rpcBinaries()
    const manifestPath = join(bins.dir, 'manifest.json')
    const before = { text: await readFile(manifestPath, 'utf8'), mtime: (await stat(manifestPath)).mtimeMs, worker: (await stat(bins.worker)).mtimeMs }
    const manifest = JSON.parse(before.text) as { native: boolean }
    const tools = await fakeToolchain(await tempDir('llmlb-fake-tools-'))
    const cacheRoot = join(bins.dir, '..')
    const args = ['build', '--rpc-cache', cacheRoot, '--gpu', bins.backend, ...(manifest.native ? [] : ['--portable'])]
    const r = await rpcCli(args, { PATH: `${tools.dir}:${process.env.PATH ?? ''}` }).done
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^cached: /)
    expect(r.stdout).toContain(bins.dir)
    expect(await tools.calls()).toEqual([])
    expect(await readFile(manifestPath, 'utf8')).toBe(before.text)
    expect((await stat(manifestPath)).mtimeMs).toBe(before.mtime)
    expect((await stat(bins.worker)).mtimeMs).toBe(before.worker)

    const status = await rpcCli(['status', '--json', '--rpc-cache', cacheRoot], {}).done
    expect(status.code, status.stderr).toBe(0)
    const s = JSON.parse(status.stdout) as { bundle: { commit: string }; protocol: string; nodeUses: string; entries: Array<{ key: string; usable: boolean }> }
    expect(s).toMatchObject({ bundle: { commit: bins.bundleCommit }, protocol: bins.protocol, nodeUses: bins.key })
    expect(s.entries.find((e) => e.key === bins.key)?.usable).toBe(true)
  })

  it('without cmake says what is missing and what to install, exits 2, and the cache offers nothing', async () => {
    const tools = await fakeToolchain(await tempDir('llmlb-fake-tools-'), ['cmake'])
    const cacheRoot = join(await tempDir('llmlb-rpc-cache-'), 'rpc')
    const r = await rpcCli(['build', '--rpc-cache', cacheRoot], { PATH: tools.dir }).done
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/missing cmake/)
    expect(r.stderr).toContain('apt-get install cmake ninja-build g++ git')
    expect(r.stderr).not.toMatch(/missing git|C\+\+ compiler|ninja or make/)
    expect(await findRpcBinaries(cacheRoot)).toBeUndefined()
    expect((await tools.calls()).map((c) => c.tool)).not.toContain('git')
  })

  it('two builds of one cache serialise on its lock; the second finds the first one\'s entry; a dead build\'s leftovers go', async () => {
    const tools = await fakeToolchain(await tempDir('llmlb-fake-tools-'))
    const cacheRoot = await tempDir('llmlb-rpc-cache-')
    const key = await cpuKey()
    // what a build killed midway leaves: its partial folder (even with a manifest) and its lock
    const dead = spawn(process.execPath, ['-e', ''])
    await within(new Promise((r) => dead.once('close', r)), 'a short-lived process to exit')
    await mkdir(join(cacheRoot, `${key}.partial-${dead.pid}`, 'bin'), { recursive: true })
    await writeFile(join(cacheRoot, `${key}.partial-${dead.pid}`, 'manifest.json'), '{}')
    await writeFile(join(cacheRoot, '.build.lock'), String(dead.pid))

    const gate = join(cacheRoot, '..', `gate-${Date.now()}`)
    const env = { PATH: tools.dir, FAKE_GATE: gate }
    const first = rpcCli(['build', '--rpc-cache', cacheRoot, '--jobs', '3'], env)
    await waitFor(async () => (await tools.calls()).some((c) => c.tool === 'cmake' && c.args.includes('-B')), 'the first build to reach configure', 60_000)
    const second = rpcCli(['build', '--rpc-cache', cacheRoot], env)
    await waitFor(() => second.stderr().includes('waiting for it'), 'the second build to wait on the lock', 60_000)
    await writeFile(gate, '')
    const [a, b] = await Promise.all([first.done, second.done])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    expect(a.stdout).toMatch(/^built: /)
    expect(b.stdout).toMatch(/^cached: /)

    const calls = await tools.calls()
    expect(calls.filter((c) => c.tool === 'git')).toHaveLength(1)
    expect(calls.filter((c) => c.tool === 'cmake' && c.args.includes('-B'))).toHaveLength(1)
    const builds = calls.filter((c) => c.tool === 'cmake' && c.args[0] === '--build')
    expect(builds.map((c) => c.args[c.args.indexOf('--target') + 1])).toEqual(['ggml-rpc-server', 'llama-server'])
    expect(builds.every((c) => c.args.join(' ').endsWith('-j 3'))).toBe(true)
    const configure = calls.find((c) => c.args.includes('-B'))!
    expect(configure.args).toEqual(expect.arrayContaining(['-G', 'Ninja', '-DGGML_RPC=ON', '-DGGML_NATIVE=ON', '-DBUILD_SHARED_LIBS=OFF']))
    // the temp source and build tree is gone
    await expect(stat(join(configure.args[configure.args.indexOf('-S') + 1]!, '..'))).rejects.toThrow(/ENOENT/)

    const found = await findRpcBinaries(cacheRoot)
    expect(found).toMatchObject({ key, backend: 'cpu', protocol: '6.0.0', bundleCommit: await bundleCommit() })
    expect((await readdir(cacheRoot)).sort()).toEqual([key, `${key}.log`])
    expect(await readFile(join(cacheRoot, `${key}.log`), 'utf8')).toContain('[2/2] Linking CXX executable bin/llama-server')
  })

  it('an interrupted build exits 130 and leaves no entry, partial folder, lock or temp tree', async () => {
    const tools = await fakeToolchain(await tempDir('llmlb-fake-tools-'))
    const cacheRoot = await tempDir('llmlb-rpc-cache-')
    const run = rpcCli(['build', '--rpc-cache', cacheRoot], { PATH: tools.dir, FAKE_GATE: join(cacheRoot, 'never') })
    const configure = await waitFor(async () => (await tools.calls()).find((c) => c.tool === 'cmake' && c.args.includes('-B')), 'the build to reach configure', 60_000)
    run.proc.kill('SIGINT')
    const r = await run.done
    expect(r.code).toBe(130)
    expect(r.stderr).toContain('interrupted; nothing was cached')
    expect((await readdir(cacheRoot)).filter((n) => !n.endsWith('.log'))).toEqual([])
    const src = configure.args[configure.args.indexOf('-S') + 1]!
    await expect(stat(join(src, '..'))).rejects.toThrow(/ENOENT/)
  })

  it('a failed build exits 1 with the end of its log, and leaves no entry, partial folder or lock', async () => {
    const tools = await fakeToolchain(await tempDir('llmlb-fake-tools-'))
    const cacheRoot = await tempDir('llmlb-rpc-cache-')
    const r = await rpcCli(['build', '--rpc-cache', cacheRoot], { PATH: tools.dir, FAKE_FAIL: '1' }).done
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/building the RPC binaries failed: cmake --build failed \(exit 1\)/)
    expect(r.stderr).toContain('fatal error: fake-compiler: ggml-rpc-server does not compile')
    expect(await readdir(cacheRoot)).toEqual([`${await cpuKey()}.log`])
    expect(await findRpcBinaries(cacheRoot)).toBeUndefined()
  })
})
