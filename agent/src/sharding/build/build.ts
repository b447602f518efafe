/**
 * `buildRpcBinaries`: the cache entry of binaries.ts's layout for the installed bundle. Clones the
 * bundle (offline), configures with cmake, builds the two targets, copies them into
 * `<key>.partial-<pid>/bin`, writes manifest.json last and renames the folder to `<key>` (atomic). One
 * build per cache root at a time (lock.ts); an existing entry is reused unless `force`.
 */
import { createWriteStream } from 'node:fs'
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { arch, availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RpcBinaries, RpcManifest } from '../contract.js'
import { bundleCommit, bundlePath, cacheKey, readCacheEntry, SERVER_BINARY, WORKER_BINARY } from '../binaries.js'
import { chooseBackend, type BackendRequest } from './backend.js'
import { acquireBuildLock } from './lock.js'
import { BUILD_TARGETS, buildTargetArgs, configureArgs } from './plan.js'
import { probeGpu, probeToolchain } from './probe.js'
import { parseProgress, type BuildProgress } from './progress.js'
import { BuildError, readLogTail, runStep } from './run-step.js'
import { parseRpcProtocol, RPC_HEADER } from './protocol.js'
import { judgeToolchain, toolchainAdvice } from './toolchain.js'

export interface BuildRpcOptions {
  cacheRoot: string
  /** @default 'auto' */
  gpu?: BackendRequest
  /** @default the machine's cores */
  jobs?: number
  /** `-DGGML_NATIVE=OFF`: binaries that run on other CPUs of the same architecture. */
  portable?: boolean
  /** Rebuild even when the entry exists. */
  force?: boolean
  /** @default node-llama-cpp's bundle */
  bundle?: string
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
  /** Phases: `waiting` (another build holds the lock), `clone`, `configure`, then each target. */
  onPhase?: (phase: string) => void
  onProgress?: (phase: string, p: BuildProgress) => void
}

export interface BuildRpcResult {
  binaries: RpcBinaries
  /** True when the entry already existed and nothing was built. */
  cached: boolean
  /** Seconds per phase (clone, configure, each target), for a fresh build. */
  seconds: Record<string, number>
  log?: string
}

/** A build of the RPC binaries that could not start or failed. */
export class RpcBuildError extends BuildError {}


export async function buildRpcBinaries(o: BuildRpcOptions): Promise<BuildRpcResult> {
  const env = o.env ?? process.env
  const choice = chooseBackend(o.gpu ?? 'auto', await probeGpu(env))
  if ('error' in choice) throw new RpcBuildError(choice.error)
  const bundle = o.bundle ?? bundlePath()
  const commit = await bundleCommit(bundle)
  const native = !o.portable
  const key = cacheKey(commit, choice.backend, native)
  const existing = o.force ? undefined : await readCacheEntry(o.cacheRoot, key)
  if (existing) return { binaries: existing, cached: true, seconds: {} }

  const facts = judgeToolchain(await probeToolchain(env))
  if (!facts.ok || !facts.generator) throw new RpcBuildError(toolchainAdvice(facts.missing))

  await mkdir(o.cacheRoot, { recursive: true })
  const release = await acquireBuildLock(o.cacheRoot, { signal: o.signal, onWait: () => o.onPhase?.('waiting') })
  try {
    // the build we waited for may have made it
    const built = o.force ? undefined : await readCacheEntry(o.cacheRoot, key)
    if (built) return { binaries: built, cached: true, seconds: {} }
    await removePartials(o.cacheRoot)
    return await buildEntry(o, { env, bundle, commit, native, key, backend: choice.backend, generator: facts.generator })
  } finally {
    await release()
  }
}

interface Resolved {
  env: NodeJS.ProcessEnv
  bundle: string
  commit: string
  native: boolean
  key: string
  backend: 'cpu' | 'cuda' | 'vulkan'
  generator: 'Ninja' | 'Unix Makefiles'
}

async function buildEntry(o: BuildRpcOptions, r: Resolved): Promise<BuildRpcResult> {
  const logPath = join(o.cacheRoot, `${r.key}.log`)
  const log = createWriteStream(logPath)
  const tmp = await mkdtemp(join(tmpdir(), 'llmlb-rpc-build-'))
  const src = join(tmp, 'src')
  const out = join(tmp, 'build')
  const partial = join(o.cacheRoot, `${r.key}.partial-${process.pid}`)
  const seconds: Record<string, number> = {}
  const started = Date.now()
  const phase = async (name: string, cmd: string, args: string[], cwd?: string): Promise<void> => {
    o.onPhase?.(name)
    const t0 = Date.now()
    const onLine = (line: string): void => {
      const p = parseProgress(line)
      if (p) o.onProgress?.(name, p)
    }
    await runStep(cmd, args, { cwd, env: r.env, log, onLine, signal: o.signal })
    seconds[name] = (Date.now() - t0) / 1000
  }
  try {
    await phase('clone', 'git', ['clone', '--quiet', r.bundle, src])
    const protocol = parseRpcProtocol(await readFile(join(src, RPC_HEADER), 'utf8'))
    const jobs = o.jobs ?? availableParallelism()
    const plan = { backend: r.backend, native: r.native, generator: r.generator, jobs }
    await phase('configure', 'cmake', configureArgs(src, out, plan))
    for (const target of BUILD_TARGETS) await phase(target, 'cmake', buildTargetArgs(out, target, plan))

    await mkdir(join(partial, 'bin'), { recursive: true })
    for (const bin of [WORKER_BINARY, SERVER_BINARY]) {
      await copyFile(join(out, 'bin', bin), join(partial, 'bin', bin))
      await chmod(join(partial, 'bin', bin), 0o755)
    }
    const manifest: RpcManifest = { bundleCommit: r.commit, protocol, backend: r.backend, native: r.native, arch: arch(), builtAt: Date.now(), buildSeconds: Math.round((Date.now() - started) / 100) / 10, seconds }
    await writeFile(join(partial, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    await replaceEntry(o.cacheRoot, r.key, partial)
    const binaries = await readCacheEntry(o.cacheRoot, r.key)
    if (!binaries) throw new Error(`the new cache entry ${r.key} is not readable`)
    return { binaries, cached: false, seconds, log: logPath }
  } catch (err) {
    await rm(partial, { recursive: true, force: true })
    await new Promise((done) => log.end(done))
    const tail = await readLogTail(logPath)
    throw new RpcBuildError(`building the RPC binaries failed: ${(err as Error).message} (full log: ${logPath})`, tail)
  } finally {
    if (!log.writableEnded) await new Promise((done) => log.end(done))
    await rm(tmp, { recursive: true, force: true })
  }
}

/** Renames the finished folder into place; a forced rebuild moves the old entry aside first. */
async function replaceEntry(cacheRoot: string, key: string, partial: string): Promise<void> {
  const final = join(cacheRoot, key)
  const old = join(cacheRoot, `${key}.partial-old-${process.pid}`)
  await rename(final, old).catch(() => undefined)
  await rename(partial, final)
  await rm(old, { recursive: true, force: true })
}

/** Folders of builds that died midway (we hold the lock: no live build owns one). */
async function removePartials(cacheRoot: string): Promise<void> {
  for (const name of await readdir(cacheRoot)) {
    if (name.includes('.partial-')) await rm(join(cacheRoot, name), { recursive: true, force: true })
  }
}
