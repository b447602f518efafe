/**
 * This node's part in sharding, as the agent wires it (one call): the RPC worker it lends when
 * `--rpc-worker` is set and binaries are cached, the leases on that worker (route + `rpc-worker`
 * tunnel), its gossip advert, and a leaser for taking other nodes' workers (the coordinator's side).
 */
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Mesh, RpcWorkerAdvert } from '../../../mesh/src/index.js'
import { findRpcBinaries, rpcCacheRoot } from './binaries.js'
import type { RpcBinaries } from './contract.js'
import { WorkerUnavailableError } from './lease/errors.js'
import type { LeaseAnswerBody, LeaseRequest } from './lease/lease-wire.js'
import { MeshWorkerLeaser } from './lease/mesh-leaser.js'
import { WorkerLeases } from './lease/worker-leases.js'
import { readWorkerMemory, type WorkerMemory } from './worker/memory.js'
import { RpcWorkerChild } from './worker/worker-child.js'

export interface RpcLendingConfig {
  dataDir: string
  runtimeThreads?: number
  sharding: { rpcWorker: boolean; cacheDir?: string; workerThreads?: number; leaseTtlMs: number }
}

export interface RpcLending {
  /** Takes leases on other nodes' workers. */
  readonly leaser: MeshWorkerLeaser
  /** The lent worker's binaries, when this node lends one. */
  readonly binaries: RpcBinaries | undefined
  /** The gossip advert of the lent worker (`LocalStateSources.rpcWorker`). */
  advert(): RpcWorkerAdvert | undefined
  /** `POST /api/rpc/lease` (throws WorkerUnavailableError on a node that lends nothing). */
  handleLease(req: LeaseRequest, from: string): LeaseAnswerBody
  stop(): Promise<void>
}

/** How often the lent memory is read again for the advert (ms). */
const MEMORY_REFRESH_MS = 2000

/**
 * Sets up sharding on this node. Call before `mesh.start()` (the tunnel handler is installed then).
 * Without binaries, `--rpc-worker` logs one warning and the node runs without lending.
 */
export async function startRpcLending(deps: { config: RpcLendingConfig; mesh: Mesh; logger: Logger; onChange: () => void }): Promise<RpcLending> {
  const { config, mesh, onChange } = deps
  const log = deps.logger.child({ component: 'sharding' })
  const leaser = new MeshWorkerLeaser({ mesh, logger: log })
  const s = config.sharding
  const binaries = s.rpcWorker ? await findRpcBinaries(rpcCacheRoot(config.dataDir, s.cacheDir)) : undefined
  if (s.rpcWorker && binaries === undefined) log.warn({ cache: rpcCacheRoot(config.dataDir, s.cacheDir) }, 'no RPC binaries: run `llmlb rpc build`; this node lends no worker')
  if (binaries === undefined) {
    return {
      leaser,
      binaries,
      advert: () => undefined,
      handleLease: () => { throw new WorkerUnavailableError('This node lends no RPC worker (start it with --rpc-worker)') },
      stop: async () => {}
    }
  }
  const worker = new RpcWorkerChild({
    binary: binaries.worker,
    threads: s.workerThreads ?? config.runtimeThreads ?? availableParallelism(),
    tensorCacheDir: join(config.dataDir, 'rpc-tensor-cache'),
    logger: log
  })
  const leases = new WorkerLeases({ mesh, worker, ttlMs: s.leaseTtlMs, logger: log, onChange })
  let memory: WorkerMemory = await readWorkerMemory(binaries.backend)
  const refresh = setInterval(() => { void readWorkerMemory(binaries.backend).then(m => { memory = m }) }, MEMORY_REFRESH_MS)
  refresh.unref()
  leases.start()
  await worker.start()
  return {
    leaser,
    binaries,
    advert: () => {
      const holder = leases.holder
      return {
        protocol: worker.protocol ?? binaries.protocol,
        bundle: binaries.bundleCommit,
        backend: binaries.backend,
        freeBytes: memory.freeBytes,
        totalBytes: memory.totalBytes,
        ...(holder === undefined ? {} : { leasedBy: holder }),
        state: worker.state
      }
    },
    handleLease: (req, from) => leases.handle(req, from),
    stop: async () => {
      clearInterval(refresh)
      leases.stop()
      await worker.stop()
    }
  }
}
