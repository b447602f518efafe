/**
 * Request history and token statistics of the node that received each request: an LMDB store with
 * secondary indexes and hour counters, durable token aggregates, retention, and the cluster-wide
 * reads. See specs/history.md and specs/storage.md ("History and statistics").
 */
export { HistoryRecordSchema, OUTCOMES, type HistoryRecord, type HistoryBodies, type HistoryDetail, type Outcome } from './history-record.js'
export type { HistoryStore, HistoryFilter, HistoryQuery, HistoryPage, RetentionPolicy } from './history-store.js'
export { LmdbHistoryStore, type LmdbHistoryStoreInit } from './lmdb-history-store.js'
export { TokenStatsResultSchema, type TokenStats, type TokenStatsQuery, type TokenStatsResult, type TokenStatsRow, type TokenTotals, type StatsBy, type StatsGroup } from './token-stats.js'
export { RetentionJob, RETENTION_INTERVAL_MS, type RetentionJobInit } from './retention-job.js'
export { RequestCapture, type CaptureInit, type CaptureResult } from './request-capture.js'
export { meshPeers, fanOut, type ClusterPeers } from './federation.js'
