/**
 * The agent's real HTTP app (buildApp, every route) with real auth over a temp LMDB control store and
 * stub inference: what the route × credential matrix and the account-route tests drive.
 */
import { Writable } from 'node:stream'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { AuthService } from '../../../../agent/src/auth/auth-service.js'
import { LOG_REDACT } from '../../../../agent/src/auth/redact.js'
import { SCOPES, type Scope } from '../../../../agent/src/auth/scopes.js'
import { newApiKey, randomId } from '../../../../agent/src/auth/tokens.js'
import type { ApiKeyRecord, UserRecord } from '../../../../agent/src/auth/records.js'
import { LmdbControlStore } from '../../../../agent/src/control-plane/lmdb-control-store.js'
import { ControlReplicator } from '../../../../agent/src/control-plane/replicator.js'
import { UnknownModelError } from '../../../../agent/src/errors/errors.js'
import { BackendRegistry } from '../../../../agent/src/backends/index.js'
import { EngineManager } from '../../../../agent/src/engines/index.js'
import { buildApp, type AppDeps } from '../../../../agent/src/http/app.js'
import type { AudioService } from '../../../../agent/src/audio/index.js'
import { ImageStore, type ImageService } from '../../../../agent/src/images/index.js'
import type { InferenceService } from '../../../../agent/src/inference/inference-service.js'
import { LmdbResponseStore } from '../../../../agent/src/protocols/responses/response-store.js'
import { StoredResponses } from '../../../../agent/src/protocols/responses/stored-responses.js'
import { CloudKeyStore, CloudManager, sealingKey } from '../../../../agent/src/clouds/index.js'
import { ShardMarks, WorkerUnavailableError } from '../../../../agent/src/sharding/index.js'

export const FAST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 }
export const PASSWORDS = { admin: 'admin-password-1', viewer: 'viewer-password-1', pending: 'pending-password-1' } as const

export interface Fixture {
  app: FastifyInstance
  auth: AuthService
  store: LmdbControlStore
  /** Cloud providers over the fixture's control store (base URLs that never leave the box). */
  clouds: CloudManager
  secret: string
  users: Record<'admin' | 'viewer' | 'pending', UserRecord>
  /** A key per scope, by scope. */
  scopeKeys: Record<Scope, string>
  expiredKey: string
  revokedKey: string
  /** Everything the app logged (JSON lines). */
  logs: () => string
  close: () => Promise<void>
}

async function addUser(auth: AuthService, username: string, role: 'admin' | 'viewer', password: string, mustChangePassword = false): Promise<UserRecord> {
  const now = auth.now()
  const u: UserRecord = { id: randomId(), username, role, passwordHash: await auth.hashPassword(password), mustChangePassword, sessionEpoch: 0, createdAt: now, updatedAt: now }
  return auth.users.create(u)
}

export async function addKey(auth: AuthService, scopes: Scope[], extra: Partial<ApiKeyRecord> = {}): Promise<string> {
  const k = newApiKey()
  await auth.keys.create({ id: k.id, name: `key-${k.id}`, prefix: k.prefix, hash: k.hash, scopes, owner: { type: 'system', name: 'test' }, createdAt: auth.now(), expiresAt: null, ...extra })
  return k.key
}

/**
 * @param init.appDeps more app dependencies (e.g. `observability`), so routes registered through them
 * join the matrix too
 */
export async function buildFixture(init: { now?: () => number; service?: InferenceService; mode?: 'on' | 'off'; appDeps?: Partial<AppDeps> } = {}): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-auth-'))
  let logText = ''
  const sink = new Writable({ write(chunk, _enc, cb) { logText += String(chunk); cb() } })
  const logger = pino({ level: 'debug', redact: LOG_REDACT }, sink)
  const store = await LmdbControlStore.open({ path: dir, logger, now: init.now })
  const secret = 'test-internal-secret'
  const auth = new AuthService(store, logger, { mode: init.mode ?? 'on', internalSecret: secret, scrypt: FAST_SCRYPT, now: init.now, loginThrottle: { attemptsPerMinute: 10_000 } })
  const users = {
    admin: await addUser(auth, 'admin', 'admin', PASSWORDS.admin),
    viewer: await addUser(auth, 'viewer', 'viewer', PASSWORDS.viewer),
    pending: await addUser(auth, 'pending', 'admin', PASSWORDS.pending, true)
  }
  const scopeKeys = {} as Record<Scope, string>
  for (const s of SCOPES) scopeKeys[s] = await addKey(auth, [s])
  const expiredKey = await addKey(auth, [...SCOPES], { expiresAt: auth.now() - 1000 })
  const revokedKey = await addKey(auth, [...SCOPES])
  await auth.keys.revoke(revokedKey.split('_')[1] ?? '')
  const replicator = new ControlReplicator(store, { publish: async () => {}, subscribe: () => () => {}, onPeerJoin: () => () => {}, peers: () => [], exchange: async () => ({}) }, logger)
  const service = init.service ?? ({ handle: async (_api: string, body: unknown) => { throw new UnknownModelError(String((body as { model?: unknown } | undefined)?.model ?? 'none')) } } as unknown as InferenceService)
  // the Responses routes join the matrix too
  const responseStore = new LmdbResponseStore(join(dir, 'responses'))
  await responseStore.start()
  // the engines admin API joins the matrix too (a store in memory: no engine is ever added here)
  const engines = new EngineManager({ list: () => [], put: async () => undefined, remove: async () => false, encrypt: (x) => x, decrypt: (x) => x, close: async () => undefined }, new BackendRegistry(), logger)
  const nowhere = { baseUrl: 'http://127.0.0.1:9/v1' }
  const clouds = new CloudManager({ config: { openai: nowhere, anthropic: nowhere, google: nowhere, compatible: nowhere, modelsTtlMs: 60_000 }, nodeName: 'test-node', keys: new CloudKeyStore(store, sealingKey(Buffer.alloc(32, 7))), registry: new BackendRegistry(), logger })
  const app = await buildApp({
    logger,
    name: 'test-node',
    startedAt: Date.now(),
    bodyLimitBytes: 1024 * 1024,
    service,
    models: () => [{ id: 'm', capabilities: { chat: true, completion: true, embeddings: false, tools: false, vision: false }, contextLength: 512, quantization: 'F32', sizeBytes: 1, nodes: ['test-node'], created: 1 }],
    runtimeUp: () => true,
    selfState: () => ({ v: 1, name: 'test-node', version: '0', httpUrl: 'http://x', status: 'alive', startedAt: 0, models: [], cpu: { cores: 1, load1: 0 }, memory: { totalBytes: 1, freeBytes: 1 }, gpus: [], inFlight: 0, prefixes: {} }),
    auth,
    controlSync: (b) => replicator.handleSync(b),
    responses: new StoredResponses({ store: responseStore, peerId: () => '12D3KooWFixture' }),
    engines,
    clouds,
    // the audio routes join the matrix too (no model here: a request that passes auth gets a 404)
    audio: {
      service: { transcribe: async () => { throw new UnknownModelError('none') }, speak: async () => { throw new UnknownModelError('none') } } as unknown as AudioService,
      maxBytes: 1024 * 1024
    },
    // and the image routes (no model: a request that passes auth gets a 404; the file route is public)
    images: {
      service: { generate: async () => { throw new UnknownModelError('none') }, upload: async () => { throw new UnknownModelError('none') } } as unknown as ImageService,
      store: new ImageStore({ ttlMs: 60_000, maxImages: 4, maxBytes: 1024 }),
      maxBytes: 1024 * 1024
    },
    // and the shard admin API (marks in the same control store; no model is known: a PUT that passes auth gets a 404)
    shards: { name: 'test-node', marks: new ShardMarks(store), views: () => [], known: () => false },
    // and the RPC worker lease route (mesh only; this node lends no worker: a request that passes gets a 503)
    rpcLease: { handle: () => { throw new WorkerUnavailableError('no worker') } },
    ...init.appDeps
  })
  await app.ready()
  return {
    app,
    auth,
    store,
    clouds,
    secret,
    users,
    scopeKeys,
    expiredKey,
    revokedKey,
    logs: () => logText,
    close: async () => {
      clouds.stop()
      await app.close()
      await engines.stop()
      await responseStore.stop()
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** Cookie header and CSRF token of a fresh session of `user` (made directly, not through login). */
export function sessionOf(f: Fixture, user: UserRecord): { cookie: string; csrf: string } {
  const { token, session } = f.auth.sessions.create(user)
  return { cookie: `llmlb_session=${token}`, csrf: session.csrfToken }
}
