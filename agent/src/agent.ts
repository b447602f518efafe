/**
 * The composition root: builds every component from the config and wires them. Start order is
 * lock → runtime (+ models) → mesh → HTTP; stop runs in reverse after draining (announce leave,
 * refuse new work, let in-flight requests finish up to the drain deadline).
 */
import { mkdir } from 'node:fs/promises'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { AudioRuntime, MultiKindRuntime, type InferenceRuntime } from '../../native-runtime/src/index.js'
import { AUDIO_UPLOAD_PATHS, AudioService, loadAudioModels, withAudioModels } from './audio/index.js'
import { IMAGE_UPLOAD_PATHS, ImageService, ImageStore } from './images/index.js'
import { UploadSpool } from './uploads/index.js'
import { Libp2pMesh, TEST_MESH_TIMINGS, type Mesh, type MeshEvents } from '../../mesh/src/index.js'
import type { Config } from './config/index.js'
import { AdmissionQueue } from './scheduler/admission-queue.js'
import { InferenceService } from './inference/inference-service.js'
import { clusterModels } from './inference/cluster-models.js'
import { buildApp } from './http/app.js'
import { DataDirLock } from './node/data-dir-lock.js'
import { discoverModels } from './node/model-sources.js'
import { GuardedFetcher } from './vision/index.js'
import { buildLocalState } from './node/local-state.js'
import { BackendRegistry } from './backends/index.js'
import { EngineManager, LmdbEngineStore, parseEngineArg, TEST_HEALTH } from './engines/index.js'
import { startLocalSd, type LocalSdWiring } from './sdcpp/index.js'
import { configuredClassOf, setOutboundDefaults } from './net/index.js'
import { resolveClusterKey, type ResolvedClusterKey } from './node/cluster-key.js'
import { RejectedPeers } from './node/rejected-peers.js'
import { createForwardHandler } from './node/forward-handler.js'
import { createPeerApiHandler, newInternalSecret } from './node/peer-api.js'
import { NodeAuth, awaitsFirstSync, TEST_ANTI_ENTROPY_INTERVAL_MS, type AuthStartInfo } from './auth/index.js'
import { CONTROL_TOPIC } from './control-plane/index.js'
import { Observability, type LogSource } from './observability/index.js'
import { ResponseStorage } from './protocols/responses/response-storage.js'
import { ModelManager } from './models/index.js'
import { autoResolver } from './models/auto-resolve.js'
import { ModelAliases } from './models/aliases.js'
import { AutoPlacer, meshPullOps } from './models/auto-pull.js'
import { loadCatalog } from './models/catalog-sources.js'
import { CloudKeyStore, CloudManager, sealingKey } from './clouds/index.js'
import { rpcBuildAdvert, splitAwareColdModels, startRpcLending, startSharding, type RpcLending, type ShardingWiring } from './sharding/index.js'

/** First non-internal IPv4 address of this box (what LAN peers can reach), or 127.0.0.1. */
function lanAddress(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  return '127.0.0.1'
}

/** Longest delay between a load change and building the state the mesh gossips (ms); the mesh coalesces further. */
const STATE_BUILD_MS = 20

export interface AgentInfo {
  name: string
  url: string
  port: number
  peerId: string
  meshAddresses: string[]
  models: string[]
  clusterKey: ResolvedClusterKey
  /** Auth mode and what the first start of the cluster created (shown once by the CLI). */
  auth: AuthStartInfo
}

export class Agent {
  private readonly lock: DataDirLock
  private runtime?: InferenceRuntime
  private imageFetcher?: GuardedFetcher
  private audio?: AudioRuntime
  private mesh?: Mesh
  /** Uploads being received (audio, image edits): removed with their request, the directory at stop. */
  private spool?: UploadSpool
  private app?: FastifyInstance
  private service?: InferenceService
  private nodeAuth?: NodeAuth
  private observability?: Observability
  private responses?: ResponseStorage
  private modelManager?: ModelManager
  private engines?: EngineManager
  private localSd?: LocalSdWiring
  private engineStore?: LmdbEngineStore
  private clouds?: CloudManager
  private sharding?: ShardingWiring
  /** The RPC worker this node lends and its leases; `lending.leaser` takes other nodes' workers (the coordinator's WorkerLeaser). */
  lending?: RpcLending
  private admission: AdmissionQueue
  private leaving = false
  private started = false
  private readonly startedAt = Date.now()
  private readonly firstSeen = new Map<string, number>()
  /** Engines and cloud providers this node fronts (filled in by their managers). */
  readonly backends = new BackendRegistry()
  private url = ''
  private advertisedUrl = ''
  /** Marks requests this process injects on behalf of a peer (see node/peer-api.ts). */
  private readonly internalSecret = newInternalSecret()
  private publishTimer?: NodeJS.Timeout

  /** @param options.logs the log tail of this process (createAgentLogger), served by the logs API */
  constructor(
    private readonly config: Readonly<Config>,
    private readonly logger: Logger,
    private readonly options: { logs?: LogSource } = {}
  ) {
    this.lock = new DataDirLock(config.dataDir)
    this.admission = new AdmissionQueue({ maxWaiters: config.queue.maxWaiters, maxWaitMs: config.queue.maxWaitMs })
  }

  async start(): Promise<AgentInfo> {
    if (this.started) throw new Error('agent already started')
    const cfg = this.config
    await mkdir(cfg.dataDir, { recursive: true, mode: 0o700 })
    await this.lock.acquire()
    try {
      return await this.startComponents()
    } catch (err) {
      await this.stopComponents()
      await this.lock.release()
      throw err
    }
  }

  private async startComponents(): Promise<AgentInfo> {
    const cfg = this.config
    const log = this.logger
    // every outbound call that names no allow-list of its own (hub downloads, image URLs): outbound.allow,
    // plus the class of a hub endpoint the operator set to a local address (a mirror on the LAN); set
    // before any component builds its client
    const hubClass = configuredClassOf(cfg.hf.endpoint)
    setOutboundDefaults({ allow: [...cfg.outbound.allow, ...(hubClass ? [hubClass] : [])] })
    // the replicated control plane (users, keys, settings) opens first: it is local and fast
    const nodeAuth = await NodeAuth.open(
      {
        dataDir: cfg.dataDir,
        mode: cfg.auth,
        internalSecret: this.internalSecret,
        adminPassword: cfg.adminPassword,
        ...(cfg.profile === 'test' ? { antiEntropyIntervalMs: TEST_ANTI_ENTROPY_INTERVAL_MS } : {})
      },
      log
    )
    this.nodeAuth = nodeAuth
    const runtime = new MultiKindRuntime(
      { logger: log.child({ component: 'runtime' }) },
      { threads: cfg.runtime.threads, mmap: cfg.runtime.mmap, gpu: cfg.runtime.gpu === 'off' ? false : cfg.runtime.gpu }
    )
    this.runtime = runtime
    await runtime.start()
    const modelsDir = cfg.modelsDir ?? join(cfg.dataDir, 'models')
    const discovered = await discoverModels({ models: cfg.models, modelsDir, demo: cfg.demo, projectors: cfg.vision.projectors })
    // whisper.cpp models (`.bin` with the ggml magic) run in the audio child, everything else in llama.cpp's
    const audio = new AudioRuntime(log, { callTimeoutMs: cfg.audio.callTimeoutMs, ...(cfg.runtime.threads ? { threads: cfg.runtime.threads } : {}) })
    this.audio = audio
    const files = await loadAudioModels(audio, discovered, log)
    // what routing, gossip and /v1/models see: the llama.cpp models and the audio models
    const served = withAudioModels(runtime, audio)
    // every model file, given or pulled, is registered in the store (metadata in LMDB) and loaded
    const store = cfg.modelStore
    const modelManager = new ModelManager(
      runtime,
      {
        dataDir: cfg.dataDir,
        modelsDir,
        hub: { endpoint: cfg.hf.endpoint, token: cfg.hf.token },
        maxStoreBytes: store.maxBytes,
        slots: cfg.runtime.slots,
        contextSize: cfg.runtime.contextSize,
        keepAliveMs: store.keepAliveMs,
        keepAliveByModel: store.keepAliveByModel,
        memoryBudgetBytes: store.memoryBudgetBytes
      },
      log.child({ component: 'models' }),
      (id) => {
        const q = this.admission.stats(id)
        return q.busy + q.waiting
      }
    )
    this.modelManager = modelManager
    modelManager.catalog = await loadCatalog(cfg.dataDir, nodeAuth.auth.settings, log.child({ component: 'catalog' }))
    await modelManager.start(files)

    const clusterKey = await resolveClusterKey({ clusterKey: cfg.clusterKey, clusterKeyFile: cfg.clusterKeyFile, dataDir: cfg.dataDir })
    const mesh = new Libp2pMesh(
      { logger: log },
      {
        name: cfg.name,
        listenHost: cfg.host,
        port: cfg.meshPort,
        peers: cfg.peers,
        clusterKey: clusterKey.key,
        identityPath: join(cfg.dataDir, 'peer.key'),
        mdns: cfg.mdns,
        limits: { maxBodyBytes: cfg.forwardBodyLimitBytes },
        topics: [CONTROL_TOPIC],
        ...(cfg.profile === 'test' ? TEST_MESH_TIMINGS : {})
      }
    )
    this.mesh = mesh
    nodeAuth.attach(mesh)
    // nodes found (mDNS, --peer) or dialling in with another cluster key: listed by /api/nodes, not logged again
    const rejectedPeers = new RejectedPeers()
    mesh.addEventListener('peer:rejected', (evt) => {
      const { address, reason, direction } = (evt as MeshEvents['peer:rejected']).detail
      rejectedPeers.record(address, reason, direction)
    })

    const backends = this.backends
    const v = cfg.vision
    const imageFetcher = new GuardedFetcher({ maxBytes: v.maxImageBytes, timeoutMs: v.fetchTimeoutMs, allow: v.imageUrlAllow, addressAllow: cfg.outbound.allow })
    this.imageFetcher = imageFetcher
    // provider keys set for the cluster are sealed under a key derived from the cluster key
    const clouds = new CloudManager({ config: cfg.clouds, nodeName: cfg.name, keys: new CloudKeyStore(nodeAuth.store, sealingKey(Buffer.from(clusterKey.hex, 'hex'))), registry: backends, logger: log.child({ component: 'clouds' }) })
    this.clouds = clouds
    clouds.start()
    const service = new InferenceService({ runtime: served, admission: this.admission, mesh, nodeName: cfg.name, policy: cfg.routing.policy, headBound: { floorMs: cfg.routing.failover.headTimeoutFloorMs, factor: cfg.routing.failover.headTimeoutFactor }, coldModels: splitAwareColdModels(modelManager.loads, () => this.sharding), resolveModel: (name) => resolveModel(name), backends, images: { fetcher: imageFetcher, maxBytes: v.maxImageBytes } })
    this.service = service
    const spool = new UploadSpool()
    this.spool = spool
    const audioService = new AudioService({ audio, admission: this.admission, service, nodeName: cfg.name, ffmpeg: cfg.audio.ffmpeg, spool })
    const imageStore = new ImageStore({ ttlMs: cfg.images.urlTtlMs, maxImages: cfg.images.maxStoredImages, maxBytes: cfg.images.maxStoredBytes })
    const imageService = new ImageService({ service, backends, store: imageStore, nodeName: cfg.name, spool })
    const models = () => clusterModels(served, mesh, cfg.name, this.firstSeen, () => modelManager.loads.adverts(), () => backends.adverts(), () => backends.providers())
    // engines on this box: stored registrations and --engine, detected and watched before the node serves
    this.engineStore = await LmdbEngineStore.open(cfg.dataDir)
    const engines = new EngineManager(this.engineStore, backends, log.child({ component: 'engines' }), { allow: cfg.engines.allow, ...(cfg.profile === 'test' ? { health: TEST_HEALTH } : {}) })
    this.engines = engines
    await engines.start(cfg.engines.urls.map(parseEngineArg))
    // native image generation (--sd-model): sd-server run and fronted as an engine by this node
    this.localSd = await startLocalSd(cfg, backends, log)
    const placer = cfg.autoPull ? new AutoPlacer(meshPullOps(cfg.name, modelManager, () => this.mesh), log.child({ component: 'auto-pull' })) : undefined
    // every request asks the resolver; cloud catalog ids are never catalog names, so it reads the list without them
    const modelAliases = new ModelAliases(nodeAuth.store)
    const resolveModel = autoResolver({ models: () => clusterModels(served, mesh, cfg.name, this.firstSeen, () => modelManager.loads.adverts(), () => backends.adverts(), () => [], { providers: false }).map((m) => ({ id: m.id, localLoaded: m.nodes.includes(cfg.name) })), manager: modelManager, placer, aliases: modelAliases })
    // RPC binaries built for this bundle (llmlb rpc build): read once; without them the node offers no sharding
    const rpcBuild = await rpcBuildAdvert(cfg.dataDir, cfg.sharding.cacheDir)
    const selfState = () =>
      buildLocalState({
        name: cfg.name,
        httpUrl: () => this.advertisedUrl,
        runtime: served,
        admission: this.admission,
        startedAt: this.startedAt,
        leaving: () => this.leaving,
        prefixes: () => service.digest.snapshot(),
        stored: () => modelManager.loads.adverts().filter((a) => this.sharding?.advertiseStored(a.id) ?? true),
        backends: () => backends.adverts(),
        capacity: () => modelManager.capacity(),
        providers: () => backends.providers(),
        rpcBuild: () => rpcBuild,
        rpcWorker: () => this.lending?.advert()
      })
    // Every slot taken or freed asks for a publish; building and validating the state each time would
    // put that work on the request path several times per request, so asks within STATE_BUILD_MS merge.
    let pendingPublish: NodeJS.Timeout | undefined
    // a state equal to the last one set is not set again: marking it changed would gossip an advert per
    // coalesce window (10/s) where heartbeats (2/s) carry it, and every advert is signed and checked
    let lastState = ''
    const publish = (): void => {
      if (pendingPublish) return
      pendingPublish = setTimeout(() => {
        pendingPublish = undefined
        try {
          const state = selfState()
          const text = JSON.stringify(state)
          if (text === lastState) return
          mesh.setLocalState(state)
          lastState = text
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'local state not published')
        }
      }, STATE_BUILD_MS)
      pendingPublish.unref()
    }
    mesh.setForwardHandler(
      createForwardHandler({
        service,
        isLeaving: () => this.leaving,
        logger: log,
        peerApi: createPeerApiHandler(() => this.app, this.internalSecret),
        checkCaller: (caller) => nodeAuth.auth.verifyForwardedInference(caller),
        otherApis: new Map([...audioService.forwardedApis(), ...imageService.forwardedApis()])
      }),
      // uploads are read by their handlers as they arrive, never held whole
      { streamedPaths: new Set([...AUDIO_UPLOAD_PATHS, ...IMAGE_UPLOAD_PATHS]) }
    )
    this.lending = await startRpcLending({ config: { dataDir: cfg.dataDir, runtimeThreads: cfg.runtime.threads, sharding: cfg.sharding }, mesh, logger: log, onChange: () => publish() })
    await mesh.start()
    // split models this node coordinates (specs/sharding.md): after the mesh, whose gossip places them
    this.sharding = await startSharding({ config: cfg, store: nodeAuth.store, mesh, models: modelManager, registry: backends, leaser: this.lending.leaser, logger: log })
    const authInfo = await nodeAuth.bootstrap(awaitsFirstSync({ configuredPeers: cfg.peers.length, alivePeers: mesh.peers().filter((p) => p.status === 'alive').length }))
    // history is open before the first request and closed after the last (stopComponents)
    const observability = new Observability(cfg, { mesh, runtime, admission: this.admission }, { logs: this.options.logs, logger: log })
    this.observability = observability
    await observability.start(mesh)
    const responses = new ResponseStorage({ dataDir: cfg.dataDir, retentionDays: cfg.history.retentionDays, maxRecords: cfg.history.maxRecords, mesh, logger: log })
    this.responses = responses
    await responses.start()

    const app = await buildApp({
      logger: log,
      name: cfg.name,
      startedAt: this.startedAt,
      bodyLimitBytes: cfg.bodyLimitBytes,
      connections: cfg.connections,
      lingerClose: { maxMs: cfg.lingerClose.maxMs, ...(cfg.lingerClose.maxBytes === undefined ? {} : { maxBytes: cfg.lingerClose.maxBytes }) },
      service,
      models,
      runtimeUp: () => runtime.isUp(),
      selfState,
      mesh,
      rejectedPeers: () => rejectedPeers.list(),
      auth: nodeAuth.auth,
      controlSync: (body) => nodeAuth.handleSync(body),
      observability,
      responses: responses.stored,
      modelManager,
      modelAliases,
      engines,
      corsOrigins: cfg.corsOrigins,
      clouds,
      audio: { service: audioService, maxBytes: cfg.audio.maxUploadBytes },
      images: { service: imageService, store: imageStore, maxBytes: cfg.images.maxUploadBytes },
      shards: this.sharding.routes,
      rpcLease: { handle: (req, from) => (this.lending as RpcLending).handleLease(req, from) }
    })
    this.app = app
    // every response that changes load republishes our state (coalesced by the mesh)
    app.addHook('onResponse', async () => publish())
    await app.listen({ port: cfg.port, host: cfg.host })
    const addr = app.server.address()
    const port = typeof addr === 'object' && addr ? addr.port : cfg.port
    const wildcard = cfg.host === '0.0.0.0' || cfg.host === '::'
    this.url = `http://${wildcard ? 'localhost' : cfg.host}:${port}`
    // peers need an address they can reach, not localhost
    this.advertisedUrl = `http://${wildcard ? lanAddress() : cfg.host}:${port}`
    // the local admin token exists before the lock names the port: a CLI or test that finds the node
    // through the lock can always use it
    await nodeAuth.issueLocalToken()
    await this.lock.update({ port, host: cfg.host, url: this.url })

    runtime.addEventListener('models:change', publish)
    backends.onChange(publish)
    audio.addEventListener('models:change', publish)
    // load changes the moment a slot is taken or freed; the mesh coalesces the adverts
    this.admission.onChange = publish
    this.publishTimer = setInterval(publish, 1000)
    this.publishTimer.unref()
    publish()
    this.started = true
    return {
      name: cfg.name,
      url: this.url,
      port,
      peerId: mesh.peerId(),
      meshAddresses: mesh.listenAddresses(),
      models: served.models().filter((m) => m.state === 'loaded').map((m) => m.id),
      clusterKey,
      auth: authInfo
    }
  }

  /** Drains and stops. Idempotent. */
  async stop(): Promise<void> {
    if (this.leaving) return
    this.leaving = true
    await this.mesh?.leave().catch(() => undefined)
    await this.stopComponents()
    await this.lock.release()
  }

  private async stopComponents(): Promise<void> {
    if (this.publishTimer) clearInterval(this.publishTimer)
    const deadline = Date.now() + this.config.drainTimeoutMs
    // in-flight work: served here, and routed from here to peers (until its last byte)
    const inFlight = (): number => this.admission.totalInFlight() + (this.service?.tracker.total() ?? 0)
    while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    // then every connection goes, kept-alive and long-lived (dashboard event streams) included:
    // waiting for them held a stop for the 72 s keep-alive timeout after clients aborted streams
    await this.app?.close().catch(() => undefined)
    this.clouds?.stop()
    await this.observability?.stop().catch(() => undefined)
    await this.responses?.stop().catch(() => undefined)
    await this.sharding?.stop().catch(() => undefined)
    await this.lending?.stop().catch(() => undefined)
    await this.mesh?.stop().catch(() => undefined)
    await this.nodeAuth?.stop()
    await this.localSd?.stop().catch(() => undefined)
    await this.engines?.stop().catch(() => undefined)
    await this.engineStore?.close().catch(() => undefined)
    await this.modelManager?.stop().catch(() => undefined)
    await this.runtime?.stop().catch(() => undefined)
    await this.imageFetcher?.close().catch(() => undefined)
    await this.audio?.stop().catch(() => undefined)
    await this.spool?.close().catch(() => undefined)
  }
}
