/**
 * Building the RPC binaries from the llama.cpp bundle (`llmlb rpc build`, specs/sharding.md#build) and
 * what a node advertises about its build. The only public surface of `sharding/build/`.
 */
export { rpcBuildAdvert, type RpcBuildAdvert } from './advert.js'
export { chooseBackend, countNvidiaGpus, countVulkanDevices, type BackendRequest, type GpuFacts } from './backend.js'
export { buildRpcBinaries, RpcBuildError, type BuildRpcOptions, type BuildRpcResult } from './build.js'
export { LOCK_FILE } from './lock.js'
export { BUILD_TARGETS, buildTargetArgs, configureArgs, type CmakeGenerator, type RpcBackend } from './plan.js'
export { probeGpu, probeToolchain } from './probe.js'
export { parseProgress, type BuildProgress } from './progress.js'
export { parseRpcProtocol } from './protocol.js'
export { judgeToolchain, parseCmakeVersion, toolchainAdvice, DEBIAN_PACKAGES, type ToolchainFacts } from './toolchain.js'
export { acquireBuildLock } from './lock.js'
export { BuildError, readLogTail, runStep } from './run-step.js'
