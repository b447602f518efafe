/**
 * `llmlb sd build`: stable-diffusion.cpp's `sd-server` built from source on a box with a compiler, for
 * the node to run (`--sd-model`, specs/images.md "Native image generation"). Unlike the RPC binaries,
 * no npm package ships this source: it is fetched at the pinned commit with its ggml submodule (needs
 * the network), or taken from `--source` (a checkout with its submodules, for offline boxes).
 *
 * Layout: `<cacheRoot>/<key>/bin/sd-server` and `<key>/manifest.json`, the manifest written last and
 * the folder renamed into place; one build per cache root at a time (the RPC build's lock).
 */
import { execFile } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { access, chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { constants } from 'node:fs'
import { arch, availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { acquireBuildLock, BuildError, chooseBackend, judgeToolchain, parseProgress, probeGpu, probeToolchain, readLogTail, runStep, type BuildRpcOptions } from '../sharding/build/index.js'
import { sdConfigureArgs, SD_COMMIT, SD_REPO, SD_SERVER_BINARY, sdCacheKey } from './plan.js'

export interface SdManifest {
  commit: string
  backend: string
  native: boolean
  arch: string
  builtAt: number
  buildSeconds: number
}

export interface SdBuild {
  dir: string
  server: string
  commit: string
  backend: string
}

/** The RPC build's options (cache root, GPU, jobs, portable, force, signal, progress), with the source. */
export interface BuildSdOptions extends Omit<BuildRpcOptions, 'bundle'> {
  /** A stable-diffusion.cpp checkout with its ggml submodule; default: fetched at SD_COMMIT. */
  source?: string
}

/** A build of sd-server that could not start or failed. */
export class SdBuildError extends BuildError {}


export async function buildSdServer(o: BuildSdOptions): Promise<{ build: SdBuild; cached: boolean; seconds: number }> {
  const env = o.env ?? process.env
  const choice = chooseBackend(o.gpu ?? 'auto', await probeGpu(env))
  if ('error' in choice) throw new SdBuildError(choice.error)
  const source = o.source ? resolve(o.source) : undefined
  const commit = source ? await sourceCommit(source, env) : SD_COMMIT
  const key = sdCacheKey(commit, choice.backend, !o.portable)
  const existing = o.force ? undefined : await readSdEntry(o.cacheRoot, key)
  if (existing) return { build: existing, cached: true, seconds: 0 }
  const tools = judgeToolchain(await probeToolchain(env))
  if (!tools.ok || !tools.generator) throw new SdBuildError(`cannot build sd-server: missing ${tools.missing.join(', ')}. On Debian/Ubuntu: apt-get install cmake ninja-build g++ git. Without it this node generates images only through engines.`)
  await mkdir(o.cacheRoot, { recursive: true })
  const release = await acquireBuildLock(o.cacheRoot, { signal: o.signal, onWait: () => o.onPhase?.('waiting') })
  const logPath = join(o.cacheRoot, `${key}.log`)
  const log = createWriteStream(logPath)
  const tmp = await mkdtemp(join(tmpdir(), 'llmlb-sd-build-'))
  const partial = join(o.cacheRoot, `${key}.partial-${process.pid}`)
  const started = Date.now()
  const step = (phase: string, cmd: string, args: string[], cwd?: string): Promise<void> => {
    o.onPhase?.(phase)
    const onLine = (line: string): void => {
      const p = parseProgress(line)
      if (p) o.onProgress?.(phase, p)
    }
    return runStep(cmd, args, { cwd, env, log, onLine, signal: o.signal })
  }
  try {
    let src = source
    if (!src) {
      src = join(tmp, 'src')
      await step('fetch', 'git', ['init', '--quiet', src])
      await step('fetch', 'git', ['-C', src, 'fetch', '--quiet', '--depth', '1', SD_REPO, SD_COMMIT])
      await step('fetch', 'git', ['-C', src, 'checkout', '--quiet', 'FETCH_HEAD'])
      await step('fetch', 'git', ['-C', src, 'submodule', 'update', '--init', '--depth', '1', 'ggml'])
    }
    const out = join(tmp, 'build')
    const jobs = o.jobs ?? availableParallelism()
    await step('configure', 'cmake', sdConfigureArgs(src, out, { backend: choice.backend, native: !o.portable, generator: tools.generator }))
    await step('sd-server', 'cmake', ['--build', out, '--target', SD_SERVER_BINARY, '-j', String(jobs)])
    await mkdir(join(partial, 'bin'), { recursive: true })
    await copyFile(join(out, 'bin', SD_SERVER_BINARY), join(partial, 'bin', SD_SERVER_BINARY))
    await chmod(join(partial, 'bin', SD_SERVER_BINARY), 0o755)
    const seconds = Math.round((Date.now() - started) / 1000)
    const manifest: SdManifest = { commit, backend: choice.backend, native: !o.portable, arch: arch(), builtAt: Date.now(), buildSeconds: seconds }
    await writeFile(join(partial, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    await rm(join(o.cacheRoot, key), { recursive: true, force: true })
    await rename(partial, join(o.cacheRoot, key))
    const build = await readSdEntry(o.cacheRoot, key)
    if (!build) throw new Error(`the new cache entry ${key} is not readable`)
    return { build, cached: false, seconds }
  } catch (err) {
    await rm(partial, { recursive: true, force: true })
    await new Promise((done) => log.end(done))
    const tail = await readLogTail(logPath)
    throw new SdBuildError(`building sd-server failed: ${(err as Error).message} (full log: ${logPath})`, tail)
  } finally {
    if (!log.writableEnded) await new Promise((done) => log.end(done))
    await rm(tmp, { recursive: true, force: true })
    await release()
  }
}

/** The commit of a checkout (`git rev-parse HEAD`), or `local` for a tree that is not one. */
async function sourceCommit(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    await access(join(dir, 'CMakeLists.txt'), constants.R_OK)
  } catch {
    throw new SdBuildError(`${dir} is not a stable-diffusion.cpp checkout (no CMakeLists.txt)`)
  }
  const head = await new Promise<string | undefined>((done) => {
    execFile('git', ['-C', dir, 'rev-parse', 'HEAD'], { env, timeout: 10_000 }, (err, stdout) => done(err ? undefined : /[0-9a-f]{40}/.exec(stdout)?.[0]))
  })
  return head ?? 'local'
}

/** The cache entry `<cacheRoot>/<name>` when complete and for this machine. */
export async function readSdEntry(cacheRoot: string, name: string): Promise<SdBuild | undefined> {
  if (name.includes('.partial-')) return undefined
  const dir = join(cacheRoot, name)
  try {
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as SdManifest
    if (m.arch !== arch()) return undefined
    const server = join(dir, 'bin', SD_SERVER_BINARY)
    await access(server, constants.X_OK)
    return { dir, server, commit: m.commit, backend: m.backend }
  } catch {
    return undefined
  }
}

/** The newest complete build in the cache (a GPU one first), or undefined. */
export async function findSdServer(cacheRoot: string): Promise<SdBuild | undefined> {
  const names = await readdir(cacheRoot).catch(() => [] as string[])
  const found: SdBuild[] = []
  for (const n of names.sort()) {
    const e = await readSdEntry(cacheRoot, n)
    if (e) found.push(e)
  }
  return found.find((b) => b.backend !== 'cpu') ?? found[0]
}
