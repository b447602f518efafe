/**
 * The control plane: users, API keys, settings (later model registrations) replicated across the mesh
 * without a database server — an LWW map with hybrid logical clocks, persisted in LMDB, gossiped as
 * deltas, repaired by anti-entropy. See specs/auth.md and specs/storage.md ("control plane").
 */
export { HybridClock, compareHlc, bootstrapHlc, ClockDriftError, MAX_CLOCK_DRIFT_MS, type Hlc } from './hlc.js'
export { CONTROL_TOPIC, type ControlEntry } from './entry.js'
export { LwwMap, DIGEST_BUCKETS, bucketOf } from './lww-map.js'
export type { ControlStore, ChangeListener, ChangeOrigin } from './control-store.js'
export { LmdbControlStore, type LmdbControlStoreInit } from './lmdb-control-store.js'
export { ControlReplicator, ANTI_ENTROPY_INTERVAL_MS, type ReplicationTransport, type ControlReplicatorInit } from './replicator.js'
export { meshReplicationTransport, CONTROL_SYNC_PATH } from './mesh-transport.js'
