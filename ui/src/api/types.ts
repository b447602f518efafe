/**
 * Wire types of the agent's HTTP API as the dashboard reads them. Node adverts come type-only from
 * the mesh's zod schema, so a change there breaks the dashboard's type check instead of its runtime;
 * the rest (auth, history, stats, keys, logs) is defined here from the API contract in
 * specs/dashboard.md.
 */
import type { ModelAdvert, NodeState } from '../../../mesh/src/protocol/node-state.js'

/** Membership status as /api/nodes reports it (the peer table's view, plus the node's own `leaving`). */
export type NodeStatus = 'alive' | 'suspect' | 'dead' | 'left' | 'leaving'

export type ModelInfo = ModelAdvert
export type Capabilities = ModelAdvert['capabilities']
export type GpuInfo = NodeState['gpus'][number]

/** One entry of GET /api/nodes and of the `nodes` SSE event. */
export type NodeInfo = Omit<NodeState, 'v' | 'seq' | 'peerId' | 'status' | 'prefixes' | 'addrs'> & {
  /** true for the node that serves this dashboard. */
  self: boolean
  peer_id: string | null
  status: NodeStatus
  /** Mesh multiaddrs. */
  addresses: string[]
  last_seen_ms_ago: number
}

export interface ListBody<T> {
  object: 'list'
  data: T[]
}

export type NodesBody = ListBody<NodeInfo>

/** GET /v1/models entry. */
export interface ClusterModel {
  id: string
  object: 'model'
  created: number
  owned_by: string
  llmlb?: {
    capabilities: Capabilities
    context_length: number
    quantization: string
    size_bytes: number
    /** Names of the nodes that have it loaded. */
    nodes: string[]
  }
}

/** GET /health */
export interface HealthBody {
  status: string
  name: string
  version: string
  uptime_s: number
}

/** The OpenAI error body every failing endpoint returns. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string }
}

export type Role = 'admin' | 'viewer'

export interface User {
  id: string
  username: string
  role: Role
  mustChangePassword: boolean
  createdAt?: string | number
}

/** POST /api/auth/login and GET /api/auth/me. */
export interface SessionBody {
  user: User
  csrfToken: string
}

export interface ApiKey {
  id: string
  name: string
  scopes: string[]
  createdAt: string | number
  expiresAt: string | number | null
  /** Shown only by POST /api/keys, once. */
  key?: string
  /** A short non-secret prefix, when the agent provides one. */
  prefix?: string
  lastUsedAt?: string | number | null
}

export interface CreateKeyInput {
  name: string
  scopes: string[]
  expiresInDays?: number
}

export type CreatedKey = ApiKey & { key: string }

export interface CreateUserInput {
  username: string
  password: string
  role: Role
}

export interface UpdateUserInput {
  role?: Role
  password?: string
}

/** One row of GET /api/history. */
export interface HistoryEntry {
  id: string
  time: string | number
  /** Which API: chat, completion, embeddings, … */
  api: string
  model: string
  ingressNode: string
  servedBy: string
  routeReason: string
  hops: number
  /** HTTP status of the answer. */
  status: number
  durationMs: number
  ttftMs: number | null
  inputTokens: number
  outputTokens: number
  error?: string
}

export interface HistoryPage {
  data: HistoryEntry[]
  total: number
  page: number
  per_page: number
  /** With scope=cluster: how many nodes answered the fan-out. */
  nodes_answered?: number
}

/** GET /api/history/:id */
export type HistoryDetail = HistoryEntry & { request?: unknown; response?: unknown }

export type StatsBy = 'day' | 'month'
export type StatsGroup = 'model' | 'key' | 'node'

export interface TokenStatsRow {
  /** "2025-01-31" (by=day) or "2025-01" (by=month). */
  period: string
  group: string
  inputTokens: number
  outputTokens: number
  requests: number
}

export interface LogEntry {
  time: string | number
  level: string | number
  msg: string
  [field: string]: unknown
}

/** Where an answer was served, from the `x-llmlb-*` response headers. */
export interface RouteInfo {
  servedBy: string | null
  route: string | null
  reason: string | null
  hops: number | null
  requestId: string | null
}

/** The body the playground posts to /v1/chat/completions. */
export interface ChatRequest {
  model: string
  messages: ChatMessage[]
  stream: true
  stream_options?: { include_usage: boolean }
  temperature?: number
  max_tokens?: number
}

export type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } }

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string | ChatContentPart[]
}
