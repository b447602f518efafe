/**
 * Builds the fastify app: body parsing, request ids, the one error handler, and every route.
 * No listening here; the composition root decides where to listen.
 */
import { connectionsCheckMs } from './connection-check.js'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Mesh } from '../../../mesh/src/index.js'
import type { InferenceService, Served } from '../inference/inference-service.js'
import type { ClusterModel } from '../inference/cluster-models.js'
import type { NodeState } from '../../../mesh/src/index.js'
import { InvalidJsonError, InvalidRequestError, RouteNotFoundError } from '../errors/errors.js'
import { openAiErrorOf } from '../protocols/chat-events.js'
import { ERROR_CODE_HEADER, PORTABLE_ERROR_HEADERS } from './error-shape.js'
import { requestIdFrom } from './request-id.js'
import { inferenceRoutes } from './routes/v1/inference.js'
import { responsesRoutes } from './routes/v1/responses.js'
import type { StoredResponses } from '../protocols/responses/stored-responses.js'
import { modelRoutes } from './routes/v1/models.js'
import { healthRoutes } from './routes/health.js'
import { nodeRoutes, nodesBody } from './routes/nodes.js'
import { eventRoutes, modelEvents } from './routes/events.js'
import { dashboardRoutes, findDashboardDist } from './routes/dashboard.js'
import fastifyCookie from '@fastify/cookie'
import { installAuthHooks, type AuthService } from '../auth/index.js'
import { authRoutes } from './routes/auth.js'
import { userRoutes } from './routes/users.js'
import { keyRoutes } from './routes/keys.js'
import { controlSyncRoutes } from './routes/control-sync.js'
import type { AppObservability } from '../observability/index.js'
import type { RejectedPeer } from '../node/rejected-peers.js'
import { LLMLB_VERSION } from '../node/local-state.js'
import { installCors } from './cors.js'
import { installRouteDocs, openApiRoutes } from './openapi/routes.js'
import { anthropicRoutes } from '../protocols/anthropic/routes.js'
import { ollamaRoutes } from '../protocols/ollama/routes.js'
import { ollamaModelRoutes } from '../protocols/ollama/models.js'
import { ollamaModelAdminRoutes } from '../protocols/ollama/model-admin.js'
import type { ModelAliases } from '../models/aliases.js'
import { DEFAULT_LINGER_MS, installLingeringClose, type LingerBounds } from './lingering-close.js'
import type { ModelManager } from '../models/index.js'
import { engineRoutes, type EngineManager } from '../engines/index.js'
import { modelAdminRoutes } from './routes/models-admin.js'
import { catalogRoutes } from './routes/catalog.js'
import { cloudRoutes, type CloudRouteDeps } from './routes/clouds.js'
import { audioRoutes, type AudioService } from '../audio/index.js'
import { imageRoutes, type ImageService, type ImageStore } from '../images/index.js'
import { shardRoutes, type ShardRouteDeps } from '../sharding/index.js'
import { rpcLeaseRoutes, type RpcLeaseRouteDeps } from './routes/rpc-lease.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON body's bytes as the client sent them (null without a body). */
    rawBody: Buffer | null
  }
}

export interface AppDeps {
  logger: Logger
  name: string
  startedAt: number
  bodyLimitBytes: number
  /** Bounds of the lingering close after early answers. @default 5 s and twice `bodyLimitBytes` */
  lingerClose?: Partial<LingerBounds>
  service: InferenceService
  models: () => ClusterModel[]
  runtimeUp: () => boolean
  selfState: () => Omit<NodeState, 'seq' | 'peerId'>
  mesh?: Mesh
  /** Nodes refused at the mesh handshake (wrong or no cluster key), for GET /api/nodes `rejected`. */
  rejectedPeers?: () => RejectedPeer[]
  /** Authentication; unset, every route is open (only unit tests of other routes build it so). */
  auth?: AuthService
  /** Answers a peer's control-plane anti-entropy request (the internal sync route). */
  controlSync?: (body: unknown) => unknown
  /** History, token statistics, logs and metrics: request observer hooks and their routes. */
  observability?: AppObservability
  /** Stored responses of the Responses API; unset, /v1/responses is not served (unit tests of other routes). */
  responses?: StoredResponses
  /** The model store (stored models, pulls, load/unload); unset in unit tests of other routes. */
  modelManager?: ModelManager
  /** The cluster's model aliases (Ollama's copy), replicated over the control plane. */
  modelAliases?: ModelAliases
  /** Engines this node fronts: the engines admin API. */
  engines?: EngineManager
  /** Origins whose browser pages may call the API (CORS); none by default. */
  corsOrigins?: readonly string[]
  /** Cloud provider keys (admin routes); unset in unit tests of other routes. */
  clouds?: CloudRouteDeps['clouds']
  /** Speech to text; unset, /v1/audio/* is not served (unit tests of other routes). */
  audio?: { service: AudioService; maxBytes: number }
  /** Image generation; unset, /v1/images/* is not served (unit tests of other routes). */
  images?: { service: ImageService; store: ImageStore; maxBytes: number }
  /** Split models (specs/sharding.md): PUT/DELETE /api/models/:id/shard, GET /api/shards. */
  shards?: ShardRouteDeps
  /** Leases on this node's RPC worker (sharding); unset, `/api/rpc/lease` is not served. */
  rpcLease?: RpcLeaseRouteDeps
  /** Client connection bounds (config `connections`); node's defaults when unset. */
  connections?: { maxConnections: number; headersTimeoutMs: number; requestTimeoutMs: number }
}

/** Answers a failed request with the error table's status and body, in the route's API shape. */
function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const r = openAiErrorOf(err)
  if (r.status >= 500) request.log.error({ err }, 'request failed')
  // the chat path's errors carry a peer's response headers: only those that mean something here stay
  const headers = Object.fromEntries(Object.entries(r.headers).filter(([h]) => PORTABLE_ERROR_HEADERS.includes(h.toLowerCase())))
  const shape = request.routeOptions?.config?.errorShape
  if (!shape) return void reply.status(r.status).headers(headers).send(r.body)
  const shaped = shape(r.status, r.body)
  // the stable code the other shape has no field for (scripts, tests and logs still see it)
  headers[ERROR_CODE_HEADER] = r.body.error.code
  void reply.status(shaped.status).headers(headers).send(shaped.body)
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
    // our own onResponse hook logs one line per request at debug; fastify's two info lines are noise
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // fastify's 10 s default failed a node's start on a loaded box (5 agents starting at once on 2
    // busy cores: a plugin's turn came late); a plugin that truly hangs is still reported
    pluginTimeout: 120_000,
    // close() destroys the connections still open: the agent calls it after draining in-flight work
    forceCloseConnections: true,
    // a URL fastify cannot decode (bad percent-encoding) is refused before routing: same error shape
    frameworkErrors: (err, request, reply) => sendError(new InvalidRequestError(err.message, null), request, reply),
    // time to receive a whole request (a body dripped byte by byte); never bounds the response
    ...(deps.connections ? { requestTimeout: deps.connections.requestTimeoutMs, http: { connectionsCheckingInterval: connectionsCheckMs(deps.connections.headersTimeoutMs) } } : {})
  })
  if (deps.connections) {
    const { maxConnections, headersTimeoutMs } = deps.connections
    app.server.maxConnections = maxConnections
    app.server.headersTimeout = headersTimeoutMs
    // node's headers timeout only watches connections that started a request: one that never sends a
    // byte is closed after the same bound (keepAliveTimeout covers idle time between requests)
    app.server.on('connection', (socket: import('node:net').Socket) => {
      socket.setTimeout(headersTimeoutMs, () => socket.destroy())
      socket.once('data', () => socket.setTimeout(0))
    })
  }

  installLingeringClose(app.server, {
    maxMs: deps.lingerClose?.maxMs ?? DEFAULT_LINGER_MS,
    maxBytes: deps.lingerClose?.maxBytes ?? 2 * deps.bodyLimitBytes
  })

  // Every body is JSON whatever its content type: `curl -d` sends form-urlencoded, and OpenAI-style
  // clients are not always careful. An empty body parses to undefined and fails schema validation.
  app.removeAllContentTypeParsers()
  app.decorateRequest('rawBody', null)
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    const text = body.toString('utf8')
    if (text.trim() === '') return done(null, undefined)
    try {
      const parsed: unknown = JSON.parse(text)
      request.rawBody = body as Buffer
      done(null, parsed)
    } catch (err) {
      done(new InvalidJsonError((err as Error).message), undefined)
    }
  })

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    // an unknown route is a 404 before its body is read or parsed, whatever its content type; a CORS
    // preflight (OPTIONS, no route of its own) is answered by the CORS hook
    if (request.is404 && request.method !== 'OPTIONS') throw new RouteNotFoundError(request.method, request.url)
  })
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request')
  })

  app.setErrorHandler(sendError)
  app.setNotFoundHandler((request) => {
    throw new RouteNotFoundError(request.method, request.url)
  })

  installRouteDocs(app)

  // before any route: every route must declare its access, every request is checked against it
  await app.register(fastifyCookie)
  // after the cookie parser (it drops a cross-origin request's session cookie), before auth and the 404s
  installCors(app, deps.corsOrigins ?? [])
  // before auth: requests refused by auth are recorded in history too
  deps.observability?.install(app)
  installAuthHooks(app, deps.auth)

  await app.register(healthRoutes, { name: deps.name, startedAt: deps.startedAt, models: deps.models, runtimeUp: deps.runtimeUp })
  await app.register(modelRoutes, { models: deps.models })
  const meter = deps.auth ? (request: FastifyRequest, served: Served): Served => deps.auth?.meter(request.identity, served) ?? served : undefined
  await app.register(inferenceRoutes, { service: deps.service, meter })
  if (deps.responses) await app.register(responsesRoutes, { service: deps.service, stored: deps.responses, meter })
  if (deps.audio) await app.register(audioRoutes, { audio: deps.audio.service, maxBytes: deps.audio.maxBytes, meter })
  if (deps.images) await app.register(imageRoutes, { images: deps.images.service, store: deps.images.store, maxBytes: deps.images.maxBytes, meter })
  await app.register(anthropicRoutes, { service: deps.service, meter })
  await app.register(ollamaRoutes, { service: deps.service, meter })
  const aliases = deps.modelAliases ? { aliases: deps.modelAliases } : {}
  await app.register(ollamaModelRoutes, { models: deps.models, ...aliases })
  await app.register(ollamaModelAdminRoutes, { models: deps.models, ...aliases, ...(deps.modelManager ? { store: deps.modelManager } : {}) })
  const nodeDeps = { self: deps.selfState, mesh: deps.mesh, rejected: deps.rejectedPeers }
  await app.register(nodeRoutes, nodeDeps)
  await app.register(eventRoutes, { nodes: () => nodesBody(nodeDeps), mesh: deps.mesh, models: deps.modelManager && modelEvents(deps.name, deps.modelManager) })
  if (deps.modelManager) await app.register(modelAdminRoutes, { name: deps.name, models: deps.modelManager, mesh: deps.mesh, ...(deps.shards ? { shards: deps.shards.views } : {}) })
  if (deps.shards) await app.register(shardRoutes, deps.shards)
  if (deps.engines) await app.register(engineRoutes, { name: deps.name, engines: deps.engines })
  if (deps.modelManager?.catalog && deps.auth) await app.register(catalogRoutes, { catalog: deps.modelManager.catalog, settings: deps.auth.settings })
  if (deps.auth) {
    await app.register(authRoutes, { auth: deps.auth })
    await app.register(userRoutes, { auth: deps.auth })
    await app.register(keyRoutes, { auth: deps.auth })
    if (deps.clouds) await app.register(cloudRoutes, { clouds: deps.clouds })
  }
  if (deps.controlSync) await app.register(controlSyncRoutes, { handleSync: deps.controlSync })
  if (deps.rpcLease) await app.register(rpcLeaseRoutes, deps.rpcLease)
  if (deps.observability) await app.register(deps.observability.routes)
  await app.register(openApiRoutes, { version: LLMLB_VERSION })
  // last: it owns GET / and the SPA fallback; API paths keep their JSON 404s
  await app.register(dashboardRoutes, { root: findDashboardDist() })
  return app
}

