/**
 * Wire types of the agent's HTTP API as the dashboard reads them. Where the agent has a schema, the
 * type comes from it type-only (node adverts, scopes and roles, history records, token statistics),
 * so a change there breaks the dashboard's type check instead of its runtime. The rest (the JSON the
 * auth, key and user routes build by hand, logs) is written here from specs/auth.md and the routes.
 */
import type { ModelAdvert, NodeState } from '../../../mesh/src/protocol/node-state.js'
import type { Role as AgentRole, Scope as AgentScope } from '../../../agent/src/auth/scopes.js'
import type { HistoryDetail as AgentHistoryDetail, HistoryRecord, Outcome } from '../../../agent/src/history/history-record.js'
import type { StatsGroup as AgentStatsGroup, TokenStatsRow as AgentTokenStatsRow, TokenTotals } from '../../../agent/src/history/token-stats.js'
import type { RejectedPeer as AgentRejectedPeer } from '../../../agent/src/node/rejected-peers.js'
import type { PublicApiKey as AgentPublicApiKey } from '../../../agent/src/auth/records.js'
import type { PublicProvider as AgentPublicProvider } from '../../../agent/src/clouds/providers.js'
import type { StoredModelView, PullRecord } from '../../../agent/src/models/index.js'

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
  /** Round trip from the node serving the dashboard (ms); null until measured, absent for self. */
  rtt_ms?: number | null
}

export interface ListBody<T> {
  object: 'list'
  data: T[]
}

/** A node refused at the mesh handshake (another cluster key, or none): found but not joined. */
export type RejectedPeer = AgentRejectedPeer

/** GET /api/nodes and the `nodes` SSE event; `rejected` is absent from agents that predate it. */
export type NodesBody = ListBody<NodeInfo> & { rejected?: RejectedPeer[] }

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
    /** Engines serving it (`ollama`, `vllm`…); empty for the native runtime. Absent from older agents. */
    engines?: string[]
    /** Speech models: the voices a request may name. */
    voices?: string[]
  }
}

/** GET /api/engines entry: one engine this node fronts (never its key). */
export interface EngineInfo {
  id: string
  url: string
  kind: string
  health: 'starting' | 'up' | 'down'
  lastError?: string
  hasKey: boolean
  slots: { total: number; busy: number; waiting: number }
  models: { id: string }[]
}

/** A model stored on a node (GET /api/models), with its GGUF metadata and load state. */
export type StoredModel = StoredModelView
/** A pull and its progress (GET /api/models `pulls`). */
export type PullState = PullRecord

/** One node's part of GET /api/models?scope=cluster (`error` when it did not answer). */
export interface NodeModels {
  node: string
  memoryBudgetBytes?: number
  data?: StoredModel[]
  pulls?: PullState[]
  error?: unknown
}

/** Body of POST /api/models/pull. */
export interface PullInput {
  source: string
  quant?: string
  nodes?: string[]
  all?: boolean
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

export type Role = AgentRole
export type Scope = AgentScope

/** `publicUser()` of the agent (account-schemas.ts): never the password hash. */
export interface User {
  id: string
  username: string
  role: Role
  mustChangePassword: boolean
  /** ISO times. */
  createdAt?: string
  updatedAt?: string
}

/** POST /api/auth/login, POST /api/auth/password and GET /api/auth/me. */
export interface SessionBody {
  user: User
  csrfToken: string
}

/** GET /api/auth/scopes: every scope, and the scopes each role holds. */
export interface ScopesBody {
  scopes: string[]
  roles: Record<string, string[]>
}

export interface RateLimit {
  requestsPerMinute?: number
  tokensPerMinute?: number
}

/** `publicKey()` of the agent: never the key or its hash. */
export type ApiKey = AgentPublicApiKey

export interface CreateKeyInput {
  name: string
  scopes: string[]
  expiresInDays?: number
}

/** A cloud provider as GET /api/clouds lists it: the key only as its last characters. */
export type CloudProvider = AgentPublicProvider

/** POST /api/keys: the key as listed, plus the secret, shown this once. */
export type CreatedKey = ApiKey & { key: string }

export interface CreateUserInput {
  username: string
  /** Empty: the agent generates one and returns it once. */
  password?: string
  role: Role
}

/** POST /api/users: the user, plus the generated password when none was given. */
export type CreatedUser = User & { password?: string }

export interface UpdateUserInput {
  role?: Role
  password?: string
}

/** One row of GET /api/history: the agent's record plus `time` (ISO) next to `ts` (ms). */
export type HistoryEntry = HistoryRecord & { time: string }
export type HistoryOutcome = Outcome

/** GET /api/history (`nodes_*` and `partial` say who answered a cluster-wide read). */
export interface HistoryPage {
  object: 'list'
  data: HistoryEntry[]
  total: number
  /** false when `total` is a lower bound (a cluster read where some node did not answer). */
  total_exact?: boolean
  page: number
  per_page: number
  scope?: 'local' | 'cluster'
  nodes_answered?: string[]
  nodes_failed?: { node: string; error: string }[]
  partial?: boolean
}

/** GET /api/history/:id: the record with its stored bodies (null when not stored). */
export type HistoryDetail = AgentHistoryDetail & { time: string }

/** What the detail drawer shows: the row as listed, with the bodies once the detail has answered. */
export type HistoryDetailView = HistoryEntry & Partial<Pick<HistoryDetail, 'requestBody' | 'responseBody' | 'bodiesTruncated'>>

export type StatsBy = 'day' | 'month'
/** The groupings the Statistics page offers (the agent also has `none`). */
export type StatsGroup = Exclude<AgentStatsGroup, 'none'>

/** One row of GET /api/stats/tokens; `group` is null only for group=none. */
export type TokenStatsRow = AgentTokenStatsRow

export interface TokenStatsBody {
  object: 'list'
  by: StatsBy
  group: string
  data: TokenStatsRow[]
  totals: TokenTotals
  nodes_answered?: string[]
  nodes_failed?: { node: string; error: string }[]
  partial?: boolean
}

/** One line of GET /api/nodes/:name/logs (oldest first). */
export interface LogEntry {
  time: string | number
  level: string | number
  msg?: string
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

/** GET /api/shards entry: a model split over RPC workers (specs/sharding.md). */
export interface ShardInfo {
  id: string
  mark?: { nodes?: string[]; workers?: number }
  auto: boolean
  coordinator?: { name: string; peerId: string }
  /** `placing`, `loading`, `serving`, `failed`, or `unplaced` (no node can coordinate). */
  state: string
  workers: { name: string; peerId: string; bytes: number }[]
  error?: string
}
