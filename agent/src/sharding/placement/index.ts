/** Placement of split models (pure): the memory a model needs, its coordinator, its workers. */
export { COMPUTE_BUFFER_BYTES, MEMORY_MARGIN, shardNeedBytes, wholeNeedBytes, type ShardModelFacts, type ShardServing } from './memory.js'
export { chooseCoordinator, chooseWorkers, eligibleWorkers, fitsNowhere, type BuildInfo, type PlacementNode, type WorkerChoice, type WorkerPlan } from './choose.js'
