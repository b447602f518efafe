/**
 * One model across several boxes with llama.cpp's RPC backend (specs/sharding.md): binaries built from
 * the pinned bundle, workers that lend memory through the mesh, leases, placement and the coordinator.
 * The only public surface of `sharding/`.
 */
export type { RpcBinaries, RpcManifest, WorkerLease, WorkerLeaser } from './contract.js'
export { bundleCommit, bundlePath, cacheKey, findRpcBinaries, rpcCacheRoot, SERVER_BINARY, WORKER_BINARY } from './binaries.js'
export * from './placement/index.js'
export * from './coordinator/index.js'
export { readCacheEntry } from './binaries.js'
export { buildRpcBinaries, RpcBuildError, rpcBuildAdvert, type BuildRpcResult } from './build/index.js'
export { startRpcLending, type RpcLending, type RpcLendingConfig } from './lending.js'
export { MeshWorkerLeaser, MeshLease, type LeaseTraffic } from './lease/mesh-leaser.js'
export { WorkerBusyError, WorkerUnavailableError, LeaseNotHeldError } from './lease/errors.js'
export { LeaseRequestSchema, LeaseAnswerSchema, RPC_LEASE_PATH, RPC_WORKER_SERVICE, type LeaseRequest, type LeaseAnswerBody } from './lease/lease-wire.js'
export { bridgeSocket } from './lease/bridge-socket.js'
export { rpcHello } from './worker/rpc-hello.js'
