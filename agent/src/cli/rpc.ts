/**
 * `llmlb rpc build | status`: the RPC binaries that split a model over several boxes, built from the
 * llama.cpp bundle node-llama-cpp ships (specs/sharding.md#build). Exit codes: 0 built or cached,
 * 1 the build failed (the log's tail is shown), 2 this box cannot build (toolchain or GPU toolkit missing).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Presets, SingleBar } from 'cli-progress'
import type { RpcManifest } from '../sharding/contract.js'
import { bundleCommit, bundlePath, findRpcBinaries, readCacheEntry, rpcCacheRoot } from '../sharding/index.js'
import { BuildError, buildRpcBinaries, chooseBackend, judgeToolchain, probeGpu, probeToolchain, toolchainAdvice, type BackendRequest, type BuildProgress } from '../sharding/build/index.js'
import { dataDirOf } from './credentials.js'

export interface RpcFlags {
  dataDir?: string
  rpcCache?: string
}
export interface RpcBuildFlags extends RpcFlags {
  gpu?: BackendRequest
  jobs?: string
  portable?: boolean
  force?: boolean
}

const out = (s: string): boolean => process.stdout.write(s + '\n')
const err = (s: string): boolean => process.stderr.write(s + '\n')

/** `--rpc-cache` ?? `$LLMLB_RPC_CACHE` ?? `<data-dir>/rpc`. */
export function cacheRootOf(flags: RpcFlags): string {
  return rpcCacheRoot(dataDirOf(flags), flags.rpcCache ?? process.env.LLMLB_RPC_CACHE)
}

export async function rpcBuildCommand(flags: RpcBuildFlags): Promise<void> {
  const cacheRoot = cacheRootOf(flags)
  await runBuildCommand('llmlb rpc build', flags.jobs, async (o) => {
    const r = await buildRpcBinaries({ cacheRoot, gpu: flags.gpu ?? 'auto', portable: flags.portable, force: flags.force, ...o })
    const b = r.binaries
    if (r.cached) return `cached: ${b.dir} (bundle ${b.bundleCommit.slice(0, 12)}, protocol ${b.protocol}, ${b.backend}); nothing built`
    const steps = Object.entries(r.seconds).map(([k, s]) => `${k} ${s.toFixed(0)} s`).join(', ')
    return `built: ${b.dir} (bundle ${b.bundleCommit.slice(0, 12)}, protocol ${b.protocol}, ${b.backend}) — ${steps}`
  })
}

/** What a build command hands its builder: the jobs, the stop signal and the progress callbacks. */
export interface BuildRun {
  jobs: number | undefined
  signal: AbortSignal
  onPhase: (p: string) => void
  onProgress: (p: string, pr: BuildProgress) => void
}

/**
 * A build command's frame (`llmlb rpc build`, `llmlb sd build`): checks `--jobs`, shows progress, stops
 * on Ctrl-C or a service stop (the build's steps end, its temp tree and partial folder are removed) and
 * exits 0 with the builder's line, 1 for a failed build (the log's tail shown), 2 when the box cannot
 * build, 130 when interrupted.
 */
export async function runBuildCommand(name: string, jobsFlag: string | undefined, build: (o: BuildRun) => Promise<string>): Promise<void> {
  const jobs = jobsFlag === undefined ? undefined : Number(jobsFlag)
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) {
    err(`--jobs must be a whole number ≥ 1 (got ${jobsFlag})`)
    process.exit(2)
  }
  const view = progressView()
  const stop = new AbortController()
  const onSignal = (): void => stop.abort()
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
  try {
    const line = await build({ jobs, signal: stop.signal, onPhase: view.phase, onProgress: view.progress })
    view.done()
    out(line)
  } catch (e) {
    view.done()
    if (stop.signal.aborted) {
      err(`${name}: interrupted; nothing was cached`)
      process.exit(130)
    }
    if (!(e instanceof BuildError)) throw e
    err(`${name}: ${e.message}`)
    if (e.logTail) err(`--- end of the build log ---\n${e.logTail}`)
    process.exit(e.logTail === undefined ? 2 : 1)
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
  }
}

/** A progress bar per phase in a terminal; plain lines (every tenth) otherwise, e.g. in CI logs. */
function progressView(): { phase: (p: string) => void; progress: (p: string, pr: BuildProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY === true
  let bar: SingleBar | undefined
  let current = ''
  let shownTenth = -1
  let t0 = Date.now()
  const finish = (): void => {
    bar?.update(100)
    bar?.stop()
    bar = undefined
    if (current && current !== 'waiting') err(`${current}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
  }
  return {
    phase: (p) => {
      finish()
      current = p
      shownTenth = -1
      t0 = Date.now()
      err(p === 'waiting' ? 'another build of this cache is running: waiting for it…' : `${p}…`)
    },
    progress: (p, pr) => {
      const pct = Math.floor(pr.fraction * 100)
      if (tty) {
        bar ??= new SingleBar({ format: `${p} |{bar}| {percentage}% {steps}`, stream: process.stderr, hideCursor: true }, Presets.shades_classic)
        if (!bar.isActive) bar.start(100, 0, { steps: '' })
        bar.update(pct, { steps: pr.total ? `${pr.done}/${pr.total}` : '' })
      } else if (Math.floor(pct / 10) > shownTenth) {
        shownTenth = Math.floor(pct / 10)
        err(`${p}: ${pct}%${pr.total ? ` (${pr.done}/${pr.total})` : ''}`)
      }
    },
    done: () => {
      finish()
      current = ''
    }
  }
}

interface EntryView {
  key: string
  backend?: string
  protocol?: string
  native?: boolean
  builtAt?: string
  buildSeconds?: number
  seconds?: Record<string, number>
  /** complete and for this bundle and machine; else why not */
  usable: boolean
  note?: string
}

export async function rpcStatusCommand(flags: RpcFlags & { json?: boolean }): Promise<void> {
  const cacheRoot = cacheRootOf(flags)
  const commit = await bundleCommit().catch(() => undefined)
  const [tools, gpu] = await Promise.all([probeToolchain(), probeGpu()])
  const verdict = judgeToolchain(tools)
  const auto = chooseBackend('auto', gpu)
  const inUse = commit ? await findRpcBinaries(cacheRoot, { commit }) : undefined
  const entries = await listEntries(cacheRoot, commit)
  const status = {
    bundle: { path: bundlePath(), commit },
    protocol: inUse?.protocol,
    cacheRoot,
    toolchain: { ok: verdict.ok, missing: verdict.missing, ...tools, generator: verdict.generator },
    gpu: { ...gpu, auto: 'backend' in auto ? auto.backend : undefined },
    entries,
    nodeUses: inUse?.key
  }
  if (flags.json) return void out(JSON.stringify(status, null, 2))
  out(`bundle:    ${commit ?? 'not found'} (${status.bundle.path})`)
  out(`protocol:  ${inUse?.protocol ?? 'known once built'}`)
  out(`toolchain: ${verdict.ok ? `ok (${verdict.generator}, ${tools.cmakeVersion ?? 'cmake'}, ${tools.compiler})` : toolchainAdvice(verdict.missing)}`)
  out(`gpu:       auto would build ${status.gpu.auto} (nvcc ${gpu.nvcc ? 'yes' : 'no'}, NVIDIA GPUs ${gpu.nvidiaGpus}, glslc ${gpu.glslc ? 'yes' : 'no'}, Vulkan devices ${gpu.vulkanDevices})`)
  out(`cache:     ${cacheRoot}`)
  if (entries.length === 0) out('  no builds (llmlb rpc build)')
  for (const e of entries) {
    const steps = e.seconds ? ` (${Object.entries(e.seconds).map(([k, s]) => `${k} ${Math.round(s)} s`).join(', ')})` : ''
    const what = e.backend ? `${e.backend} protocol ${e.protocol} ${e.native ? 'native' : 'portable'} built ${e.builtAt} in ${e.buildSeconds} s${steps}` : ''
    out(`  ${e.key === inUse?.key ? '*' : ' '} ${e.key}  ${what}${e.note ? ` (${e.note})` : ''}`)
  }
  out(inUse ? `a node here uses ${inUse.key} (*)` : 'a node here does not offer sharding: no build for this bundle')
}

async function listEntries(cacheRoot: string, commit: string | undefined): Promise<EntryView[]> {
  const names = await readdir(cacheRoot, { withFileTypes: true }).catch(() => [])
  const views: EntryView[] = []
  for (const d of names) {
    if (!d.isDirectory()) continue
    const m = (await readFile(join(cacheRoot, d.name, 'manifest.json'), 'utf8').then((t) => JSON.parse(t) as RpcManifest).catch(() => undefined))
    const entry = await readCacheEntry(cacheRoot, d.name)
    const note = d.name.includes('.partial-') ? 'unfinished build' : !m ? 'no manifest: unfinished' : !entry ? 'incomplete or another architecture' : m.bundleCommit !== commit ? 'another bundle' : undefined
    views.push({
      key: d.name,
      usable: entry !== undefined && m?.bundleCommit === commit,
      ...(m ? { backend: m.backend, protocol: m.protocol, native: m.native, builtAt: new Date(m.builtAt).toISOString(), buildSeconds: m.buildSeconds, ...(m.seconds ? { seconds: m.seconds } : {}) } : {}),
      ...(note ? { note } : {})
    })
  }
  return views
}
