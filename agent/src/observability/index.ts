/**
 * What a node tells about itself: the request observer (history + metrics of every inference request),
 * Prometheus metrics, structured logs to stdout and rotating files, and the log tail. See
 * specs/history.md.
 */
export { Observability, type AppObservability, type ObservabilityConfig, type ObservabilityInit } from './observability.js'
export { AgentMetrics, type MetricsSources, type AgentMetricsInit } from './metrics.js'
export { installRequestObserver, COMMIT_WAIT_MS, type RequestObserverDeps } from './request-observer.js'
export { createAgentLogger, type AgentLogger, type AgentLoggerInit } from './logger.js'
export { LogTail, LOG_LEVELS, type LogSource, type LogQuery, type LogEntry } from './log-tail.js'
