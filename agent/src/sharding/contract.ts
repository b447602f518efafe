/**
 * The contracts between the parts of sharding (specs/sharding.md): the binaries built from the llama.cpp
 * bundle, the RPC worker a node lends, and the leases a coordinator takes on workers through the mesh.
 * Each part lives in its own folder (build/, worker/, lease/, placement/, coordinator/) and meets the
 * others only through these types.
 */

/** Binaries built from the pinned node-llama-cpp's llama.cpp bundle, as found in the cache. */
export interface RpcBinaries {
  /** The cache entry's folder: `<cacheRoot>/<key>/`. */
  dir: string
  /** `ggml-rpc-server`: the worker that lends a box's memory and compute. */
  worker: string
  /** `llama-server`: the coordinator that runs a model over workers (`--rpc host:port,…`). */
  server: string
  /** Full commit of the llama.cpp bundle they were built from. */
  bundleCommit: string
  /** ggml RPC protocol version, `major.minor.patch` (ggml-rpc.h). */
  protocol: string
  /** `cpu`, `cuda` or `vulkan`. */
  backend: string
  /** Cache key: `<commit 12>-<backend>-<native|portable>-<arch>`. */
  key: string
}

/** `manifest.json` of a cache entry, written last by a build (its presence means the entry is complete). */
export interface RpcManifest {
  bundleCommit: string
  protocol: string
  backend: string
  native: boolean
  arch: string
  builtAt: number
  /** Seconds the build took, for the README's cost and `llmlb rpc status`. */
  buildSeconds: number
  /** Seconds per step of the build (clone, configure, each target); absent in entries made by hand. */
  seconds?: Record<string, number>
}

/**
 * A worker leased by this node (the coordinator). `endpoint` is what llama-server's `--rpc` takes: a
 * loopback `host:port` on this node whose connections reach the worker through the mesh tunnel.
 */
export interface WorkerLease {
  readonly workerPeerId: string
  readonly workerName: string
  readonly endpoint: string
  /** Aborted when the lease is lost: the worker node died or left, a renewal was refused, the worker restarted. */
  readonly lost: AbortSignal
  /** Gives the worker back (idempotent): its tunnel closes and another coordinator may lease it. */
  release(): Promise<void>
}

/** Takes leases on other nodes' workers (one client per worker at a time). */
export interface WorkerLeaser {
  /**
   * Leases the worker of `workerPeerId` for `model`; renewed in the background until released or lost.
   * Rejects with WorkerBusyError when another coordinator holds it, WorkerUnavailableError when the
   * node has no worker up or cannot be reached.
   */
  acquire(workerPeerId: string, opts: { model: string; bytes: number; signal?: AbortSignal }): Promise<WorkerLease>
}
