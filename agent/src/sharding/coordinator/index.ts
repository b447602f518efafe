/** The coordinator of split models: marks, the per-model run over leased workers, the admin API. */
export { SHARD_PREFIX, ShardMarks, ShardMarkSchema, type ShardMark } from './marks.js'
export { ShardManager, type ShardManagerDeps, type ShardView } from './shard-manager.js'
export { ShardRun, type ShardState } from './shard-run.js'
export { LlamaServer, llamaServerArgs, type LlamaServerOptions } from './llama-server.js'
export { ShardInsufficientMemoryError, ShardNotReadyError } from './shard-errors.js'
export { shardRoutes, type ShardRouteDeps } from './routes.js'
export { splitAwareColdModels, startSharding, type ShardingWiring } from './wiring.js'
