/**
 * Where built RPC binaries live and how a node finds the ones that match its llama.cpp bundle. The
 * bundle is the source tree the pinned node-llama-cpp ships (`llama/gitRelease.bundle`); its commit
 * keys the cache, so every box of a cluster built from the same release speaks the same protocol.
 *
 * Layout: `<cacheRoot>/<key>/bin/{ggml-rpc-server,llama-server}` and `<cacheRoot>/<key>/manifest.json`,
 * the manifest written last (a folder without one is an interrupted build and is ignored).
 */
import { constants } from 'node:fs'
import { access, open, readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { arch } from 'node:os'
import { basename, dirname, join } from 'node:path'
import type { RpcBinaries, RpcManifest } from './contract.js'

export const WORKER_BINARY = 'ggml-rpc-server'
export const SERVER_BINARY = 'llama-server'

/** The cache root: the configured folder, else `<data-dir>/rpc`. */
export function rpcCacheRoot(dataDir: string, cacheDir: string | undefined): string {
  return cacheDir ?? join(dataDir, 'rpc')
}

/** Path of the llama.cpp source bundle inside the installed node-llama-cpp. */
export function bundlePath(): string {
  // the package exports no package.json: walk up from its entry to the folder named after it
  let dir = dirname(createRequire(import.meta.url).resolve('node-llama-cpp'))
  while (basename(dir) !== 'node-llama-cpp' && dirname(dir) !== dir) dir = dirname(dir)
  return join(dir, 'llama', 'gitRelease.bundle')
}

/** The commit a git bundle holds (its header names HEAD: `<sha> HEAD`); read without git. */
export async function bundleCommit(path = bundlePath()): Promise<string> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.alloc(512)
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
    const head = buf.subarray(0, bytesRead).toString('latin1')
    const m = /^([0-9a-f]{40}) (?:HEAD|refs\/\S+)$/m.exec(head)
    if (!m?.[1]) throw new Error(`${path} is not a git bundle with a HEAD`)
    return m[1]
  } finally {
    await fh.close()
  }
}

/** Cache key of a build: bundle commit, backend, native or portable code, machine architecture. */
export function cacheKey(commit: string, backend: string, native: boolean, machine = arch()): string {
  return `${commit.slice(0, 12)}-${backend}-${native ? 'native' : 'portable'}-${machine}`
}

/**
 * The complete cache entry for this bundle and machine, preferring `backend` when given, else a GPU
 * backend over the CPU one; undefined when none was built.
 */
export async function findRpcBinaries(cacheRoot: string, opts: { backend?: string; commit?: string } = {}): Promise<RpcBinaries | undefined> {
  const commit = opts.commit ?? (await bundleCommit())
  let names: string[]
  try {
    names = await readdir(cacheRoot)
  } catch {
    return undefined
  }
  const found: RpcBinaries[] = []
  for (const name of names.sort()) {
    const entry = await readCacheEntry(cacheRoot, name)
    if (!entry || entry.bundleCommit !== commit) continue
    if (opts.backend && entry.backend !== opts.backend) continue
    found.push(entry)
  }
  return found.find((b) => b.backend !== 'cpu') ?? found[0]
}

/**
 * The cache entry `<cacheRoot>/<name>` when it is complete and runs on this machine: a manifest (written
 * last), both binaries executable, this architecture. A build's `<key>.partial-<pid>` folder never
 * counts, even once its manifest is written (the rename that completes it may not have happened).
 */
export async function readCacheEntry(cacheRoot: string, name: string): Promise<RpcBinaries | undefined> {
  if (name.includes('.partial-')) return undefined
  const dir = join(cacheRoot, name)
  let m: RpcManifest
  try {
    m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as RpcManifest
  } catch {
    return undefined
  }
  if (m.arch !== arch()) return undefined
  const bins = { worker: join(dir, 'bin', WORKER_BINARY), server: join(dir, 'bin', SERVER_BINARY) }
  if (!(await executable(bins.worker)) || !(await executable(bins.server))) return undefined
  return { dir, ...bins, bundleCommit: m.bundleCommit, protocol: m.protocol, backend: m.backend, key: name }
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}
