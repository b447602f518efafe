/**
 * The dashboard's one typed API client, grouped by resource (auth, nodes, models, chat, history,
 * stats, keys, users). Every call goes through Transport: same-origin cookie, CSRF on writes,
 * ApiError on failure. Stores and pages never call fetch themselves.
 */
import { readSseEvents } from '../lib/sse.js'
import { interpretChatEvent, type ChatStreamEvent } from '../lib/chat-stream.js'
import { Transport, type Query, type TransportInit } from './transport.js'
import type {
  ApiKey,
  CloudProvider,
  ChatRequest,
  ClusterModel,
  CreatedKey,
  CreatedUser,
  CreateKeyInput,
  CreateUserInput,
  EngineInfo,
  HealthBody,
  HistoryDetail,
  HistoryPage,
  ListBody,
  LogEntry,
  NodeModels,
  NodesBody,
  PullInput,
  RouteInfo,
  ScopesBody,
  SessionBody,
  ShardInfo,
  StatsBy,
  StatsGroup,
  TokenStatsBody,
  UpdateUserInput,
  User
} from './types.js'

/** The answer to a streamed chat request: where it was served, then its events as they arrive. */
export interface ChatStream {
  route: RouteInfo
  events: AsyncIterable<ChatStreamEvent>
}

export interface LogQuery {
  level?: string
  limit?: number
  q?: string
}

export interface TokenStatsQuery {
  by: StatsBy
  group: StatsGroup
  cluster: boolean
}

const enc = encodeURIComponent

export function createApiClient(init: TransportInit = {}) {
  const t = new Transport(init)
  return {
    transport: t,

    health: () => t.json<HealthBody>('GET', '/health'),

    auth: {
      /** 401 means "signed out" here, not an expired session. */
      me: (signal?: AbortSignal) => t.json<SessionBody>('GET', '/api/auth/me', { expect401: true, signal }),
      login: (username: string, password: string) => t.json<SessionBody>('POST', '/api/auth/login', { body: { username, password }, expect401: true }),
      logout: () => t.json<void>('POST', '/api/auth/logout', { expect401: true }),
      /** Same session and CSRF token afterwards; the answer carries the updated user. */
      changePassword: (currentPassword: string, newPassword: string) =>
        t.json<SessionBody>('POST', '/api/auth/password', { body: { currentPassword, newPassword }, expect401: true }),
      /** The real scope list (for the key form) and each role's scopes. */
      scopes: () => t.json<ScopesBody>('GET', '/api/auth/scopes')
    },

    nodes: {
      list: (signal?: AbortSignal) => t.json<NodesBody>('GET', '/api/nodes', { signal }),
      logs: (name: string, q: LogQuery = {}, signal?: AbortSignal) =>
        t.json<ListBody<LogEntry> | { data: LogEntry[] }>('GET', `/api/nodes/${enc(name)}/logs`, { query: { ...q }, signal }),
      /** URL of the live cluster event stream (EventSource). */
      eventsUrl: () => t.url('/api/events')
    },

    models: {
      list: (signal?: AbortSignal) => t.json<ListBody<ClusterModel>>('GET', '/v1/models', { signal }),
      /** What every node stores, with metadata and pull progress. */
      stored: (signal?: AbortSignal) => t.json<{ nodes: NodeModels[] }>('GET', '/api/models', { query: { scope: 'cluster' }, signal }),
      pull: (input: PullInput) => t.json<unknown>('POST', '/api/models/pull', { body: input }),
      /** `node`: the node to act on (its name). */
      remove: (id: string, node: string) => t.json<unknown>('DELETE', `/api/models/${enc(id)}`, { query: { node } }),
      load: (id: string, node: string) => t.json<unknown>('POST', `/api/models/${enc(id)}/load`, { query: { node } }),
      unload: (id: string, node: string) => t.json<unknown>('POST', `/api/models/${enc(id)}/unload`, { query: { node } })
    },

    /** This node's engines (admins only). */
    engines: {
      list: (signal?: AbortSignal) => t.json<ListBody<EngineInfo> & { node: string }>('GET', '/api/engines', { signal })
    },
    shards: {
      /** Models split over RPC workers, cluster-wide: coordinator, workers with bytes, state. */
      list: (signal?: AbortSignal) => t.json<ListBody<ShardInfo>>('GET', '/api/shards', { signal })
    },
    audio: {
      /** Transcribes an audio file with a speech-to-text model; resolves with the text and where it was served. */
      transcribe: async (model: string, file: Blob, name: string): Promise<{ text: string; route: RouteInfo }> => {
        const form = new FormData()
        form.append('model', model)
        form.append('file', file, name)
        const res = await t.send('POST', '/v1/audio/transcriptions', { form })
        return { text: ((await res.json()) as { text: string }).text, route: routeInfo(res.headers) }
      },
      /** Speaks `input` as WAV (every browser plays it, no ffmpeg needed on the node). */
      speak: async (model: string, input: string, voice: string): Promise<{ audio: Blob; route: RouteInfo }> => {
        const res = await t.send('POST', '/v1/audio/speech', { body: { model, input, voice, response_format: 'wav' }, headers: { accept: 'audio/wav' } })
        return { audio: await res.blob(), route: routeInfo(res.headers) }
      }
    },

    images: {
      /** Generates images; `url` answers are URLs of this node, loadable by `<img>` without a key. */
      generate: async (model: string, prompt: string, size: string, n: number): Promise<{ urls: string[]; route: RouteInfo }> => {
        const res = await t.send('POST', '/v1/images/generations', { body: { model, prompt, size, n, response_format: 'url' } })
        const body = (await res.json()) as { data: { url?: string; b64_json?: string }[] }
        return { urls: body.data.map((d) => d.url ?? `data:image/png;base64,${d.b64_json ?? ''}`), route: routeInfo(res.headers) }
      }
    },

    chat: {
      /** POSTs a streamed chat completion; resolves once the headers arrive. */
      stream: async (body: ChatRequest, signal?: AbortSignal): Promise<ChatStream> => {
        const res = await t.send('POST', '/v1/chat/completions', { body, signal, headers: { accept: 'text/event-stream' } })
        const route = routeInfo(res.headers)
        if (!res.body) throw new Error('The answer has no body')
        const stream = res.body
        return {
          route,
          events: (async function* () {
            for await (const ev of readSseEvents(stream, signal)) yield* interpretChatEvent(ev)
          })()
        }
      }
    },

    history: {
      /** `search` comes from lib/history-query's historySearch(). */
      list: (search: string, signal?: AbortSignal) => t.json<HistoryPage>('GET', '/api/history', { query: search, signal }),
      get: (id: string, cluster: boolean, signal?: AbortSignal) =>
        t.json<HistoryDetail>('GET', `/api/history/${enc(id)}`, { query: cluster ? { scope: 'cluster' } : undefined, signal }),
      /** Link for the browser to download (cookie auth works for same-origin GET). */
      exportUrl: (search: string) => t.url('/api/history/export', search)
    },

    stats: {
      tokens: (q: TokenStatsQuery, signal?: AbortSignal) =>
        t.json<TokenStatsBody>('GET', '/api/stats/tokens', { query: { by: q.by, group: q.group, scope: q.cluster ? 'cluster' : undefined }, signal })
    },

    keys: {
      list: () => t.json<ListBody<ApiKey>>('GET', '/api/keys'),
      create: (input: CreateKeyInput) => t.json<CreatedKey>('POST', '/api/keys', { body: input }),
      revoke: (id: string) => t.json<void>('DELETE', `/api/keys/${enc(id)}`)
    },

    clouds: {
      list: () => t.json<ListBody<CloudProvider>>('GET', '/api/clouds')
    },

    users: {
      list: () => t.json<ListBody<User>>('GET', '/api/users'),
      /** Without a password the agent generates one, returned once as `password`. */
      create: (input: CreateUserInput) => t.json<CreatedUser>('POST', '/api/users', { body: input.password ? input : { username: input.username, role: input.role } }),
      update: (id: string, patch: UpdateUserInput) => t.json<User>('PATCH', `/api/users/${enc(id)}`, { body: patch }),
      remove: (id: string) => t.json<void>('DELETE', `/api/users/${enc(id)}`)
    }
  }
}

export type ApiClient = ReturnType<typeof createApiClient>
export type { Query }

/** Reads the `x-llmlb-*` routing headers of an answer. */
export function routeInfo(h: Headers): RouteInfo {
  const hops = h.get('x-llmlb-hops')
  return {
    servedBy: h.get('x-llmlb-served-by'),
    route: h.get('x-llmlb-route'),
    reason: h.get('x-llmlb-route-reason'),
    hops: hops === null || hops === '' || Number.isNaN(Number(hops)) ? null : Number(hops),
    requestId: h.get('x-request-id')
  }
}
