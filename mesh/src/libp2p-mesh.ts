/**
 * `Mesh` over libp2p: the composition of transport (create-node, bootstrap-dialer, handshake-watch),
 * membership (peer-table, peer-connector), gossip of the local state (state-broadcaster) and the
 * forward protocol. Each of those is small and testable alone; this file only wires them and owns the
 * lifecycle.
 *
 * @example
 * ```ts
 * const mesh = new Libp2pMesh({ logger }, { port: 32769, peers: ['10.0.0.5:32769'], clusterKey, identityPath })
 * mesh.setForwardHandler(async (req, from, { signal }) => serveLocally(req, signal))
 * mesh.addEventListener('peer:join', evt => logger.info({ peer: evt.detail.peerId }, 'joined'))
 * await mesh.start()
 * mesh.setLocalState({ v: 1, name: 'box-1', httpUrl: 'http://10.0.0.4:32768', status: 'alive', ... })
 * ```
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeAdvert, encodeAdvert } from './broadcast/advert-codec.js'
import { StateBroadcaster, type LocalNodeState } from './broadcast/state-broadcaster.js'
import { TopicBus } from './broadcast/topic-bus.js'
import {
  DEFAULT_LISTEN_HOST,
  DEFAULT_MESH_PORT,
  FORWARD_POOL_IDLE_MS,
  FORWARD_POOL_MAX_IDLE,
  FORWARD_PROTOCOL,
  FORWARD_SERVER_IDLE_MS,
  MAX_FORWARD_STREAMS,
  MAX_TOPIC_MESSAGE_BYTES,
  resolveTimings,
  type MeshTimings
} from './constants.js'
import { ForwardError, TunnelError } from './errors.js'
import { buildRequestHead, sendForward } from './forward/forward-client.js'
import { refuseWhileLeaving, serveForward } from './forward/forward-server.js'
import { PeerConnector } from './peers/peer-connector.js'
import { RttProber } from './peers/rtt-prober.js'
import { PeerTable, type PeerRecord, type PeerTransition } from './peers/peer-table.js'
import { NODE_STATE_TOPIC, NodeStateSchema } from './protocol/node-state.js'
import type { ForwardRequestHead } from './protocol/forward-frames.js'
import { BootstrapDialer } from './transport/bootstrap-dialer.js'
import { clusterKeyFingerprint, parseClusterKey } from './transport/cluster-key.js'
import { createMeshNode, type MeshNode } from './transport/create-node.js'
import { HandshakeWatch, type HandshakeRejection } from './transport/handshake-watch.js'
import { loadOrCreateIdentity } from './transport/identity.js'
import { advertisedAddresses } from './transport/peer-address.js'
import { FrameChannel, resolveForwardLimits, type ForwardLimits } from './forward/frame-channel.js'
import { StreamPool } from './forward/stream-pool.js'
import { TunnelHub } from './tunnel/tunnel-hub.js'
import type { AbortOptions, ForwardBodySource, ForwardHandler, ForwardHandlerOptions, ForwardRequest, ForwardResponse, Mesh, MeshStats, MeshTunnel, PeerView, TopicHandler, TunnelHandler } from './interfaces.js'
import type { PrivateKey, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'

export interface Libp2pMeshComponents {
  /** Root logger; the mesh logs through a child tagged `component: 'mesh'`. */
  logger: Logger
}

/**
 * All optional; defaults in constants.ts. The timings (`heartbeatIntervalMs`, `deadAfterMs`, …) sit at
 * the top level, so a profile is spread in: `{ ...TEST_MESH_TIMINGS, port: 0 }`.
 */
export interface Libp2pMeshInit extends Partial<MeshTimings> {
  /** Node name for logs. */
  name?: string
  /** IP to listen on. @default DEFAULT_LISTEN_HOST ('0.0.0.0') */
  listenHost?: string
  /** TCP port; 0 picks a free one. @default DEFAULT_MESH_PORT (32769) */
  port?: number
  /** Bootstrap peers: `host[:port]` or multiaddrs (with or without `/p2p/<id>`). @default [] */
  peers?: string[]
  /** Cluster key (pnet file text or 64 hex chars). Unset: open network. */
  clusterKey?: string | Uint8Array
  /** File holding the node's private key (created if missing). Unset: a new identity per start. */
  identityPath?: string
  /** Use this key instead of `identityPath`. */
  privateKey?: PrivateKey
  /** Discover peers with mDNS on the LAN. @default false */
  mdns?: boolean
  /** Forward size limits (bytes). */
  limits?: Partial<ForwardLimits>
  /** Concurrent forward streams per connection, each direction. @default MAX_FORWARD_STREAMS */
  maxForwardStreams?: number
  /**
   * Application gossip topics for `publish`/`subscribe` (versioned `/llmlb/…/1.0.0` names). Declared
   * up front because gossipsub only accepts the topics it was created with. @default []
   */
  topics?: string[]
}

/** `stop()` options of this implementation. */
export interface MeshStopOptions {
  /** Announce leave before stopping. `false` simulates a crash (tests). @default true */
  leave?: boolean
}

type Status = 'stopped' | 'starting' | 'started' | 'stopping'

/** Longest `stop()` waits for the leave advert to be handed to gossip (ms). */
const LEAVE_TIMEOUT_MS = 1_000

const TRANSITION_EVENTS = {
  join: 'peer:join',
  update: 'peer:update',
  suspect: 'peer:suspect',
  dead: 'peer:dead',
  leave: 'peer:leave'
} as const

export class Libp2pMesh extends EventTarget implements Mesh {
  private readonly log: Logger
  private readonly init: Libp2pMeshInit
  private readonly timings: MeshTimings
  private readonly limits: ForwardLimits
  private status: Status = 'stopped'
  private startPromise?: Promise<void>
  private stopPromise?: Promise<void>
  private handler?: ForwardHandler
  private streamedPaths: ReadonlySet<string> = new Set()
  private localState?: LocalNodeState
  private leaving = false
  private readonly table: PeerTable
  private readonly bus: TopicBus
  private readonly counters = { gossipIn: 0, gossipDropped: 0, forwardsOut: 0, forwardsIn: 0, forwardErrors: 0, forwardStreamsOpened: 0, handshakesRejected: 0, forwardsCancelled: 0 }
  private gossipOutBefore = 0
  // Set while started.
  private node?: MeshNode
  private selfId?: string
  private broadcaster?: StateBroadcaster
  private connector?: PeerConnector
  private dialer?: BootstrapDialer
  private tickTimer?: NodeJS.Timeout
  private poolTimer?: NodeJS.Timeout
  private rtt?: RttProber
  /** Inbound forward streams being served or waiting for their next request. */
  private readonly inboundForwards = new Set<Stream>()
  private readonly pool = new StreamPool({ maxIdlePerPeer: FORWARD_POOL_MAX_IDLE, idleMs: FORWARD_POOL_IDLE_MS })
  private readonly loggedRejections = new Set<string>()
  private readonly tunnels = new TunnelHub()

  constructor(components: Libp2pMeshComponents, init: Libp2pMeshInit = {}) {
    super()
    this.init = init
    this.log = components.logger.child({ component: 'mesh', ...(init.name === undefined ? {} : { node: init.name }) })
    this.timings = resolveTimings(init)
    this.limits = resolveForwardLimits(init.limits)
    this.table = new PeerTable(this.timings)
    this.bus = new TopicBus(init.topics ?? [], MAX_TOPIC_MESSAGE_BYTES, this.log)
  }

  /** Starts libp2p, joins the mesh and begins gossiping. Idempotent; a failed start rolls back and rethrows. */
  async start(): Promise<void> {
    if (this.status === 'started') return
    if (this.status === 'starting' && this.startPromise !== undefined) return this.startPromise
    if (this.status === 'stopping') await this.stopPromise
    this.status = 'starting'
    this.startPromise = this.doStart().then(
      () => { this.status = 'started' },
      async (err: unknown) => {
        await this.teardown()
        this.status = 'stopped'
        throw err
      }
    )
    return this.startPromise
  }

  /** Announces leave (unless `leave: false`), then stops libp2p. Idempotent. */
  async stop(options: MeshStopOptions = {}): Promise<void> {
    if (this.status === 'stopped') return
    if (this.status === 'stopping' && this.stopPromise !== undefined) return this.stopPromise
    if (this.status === 'starting') await this.startPromise?.catch(() => {})
    if (this.status !== 'started') return
    this.status = 'stopping'
    this.stopPromise = (async () => {
      if (options.leave !== false) {
        // Bounded: a stuck publish must not block shutdown.
        const timeout = new Promise(resolve => setTimeout(resolve, LEAVE_TIMEOUT_MS).unref())
        await Promise.race([this.leave(), timeout]).catch(err => this.log.debug({ err }, 'leave announcement failed'))
      }
      await this.teardown()
      this.status = 'stopped'
      this.log.info('mesh stopped')
    })()
    return this.stopPromise
  }

  /**
   * Gossips `status: 'leaving'` at once; every later advert keeps it. New inbound forwards are refused
   * with 503 from now on; in-flight ones continue.
   */
  async leave(): Promise<void> {
    this.leaving = true
    await this.broadcaster?.leave()
  }

  peerId(): string {
    if (this.selfId === undefined) throw new Error('mesh not started')
    return this.selfId
  }

  listenAddresses(): string[] {
    return this.node?.getMultiaddrs().map(String) ?? []
  }

  /** Throws (ZodError, RangeError) on a state that is invalid or over MAX_NODE_STATE_BYTES, started or not. */
  setLocalState(state: LocalNodeState): void {
    if (this.broadcaster === undefined) {
      encodeAdvert(NodeStateSchema.parse({ ...state, seq: 0, peerId: this.selfId ?? 'unstarted' }))
    } else {
      this.broadcaster.setLocalState(state)
    }
    this.localState = state
  }

  /** Peers in the table (never self), tombstones (dead/left) included until they expire. */
  peers(): PeerView[] {
    return this.table.list().map(r => this.view(r))
  }

  async forward(peerId: string, req: ForwardRequest, options: AbortOptions = {}): Promise<ForwardResponse> {
    const head = buildRequestHead(req, peerId, this.limits)
    const node = this.node
    if (node === undefined || this.status !== 'started') throw new ForwardError('peer_unreachable', 'mesh not started', peerId)
    if (peerId === this.selfId) throw new ForwardError('peer_unreachable', 'cannot forward to self', peerId)
    this.counters.forwardsOut++
    const signal = options.signal
    try {
      return await this.pool.run(peerId, async () => new FrameChannel(await this.openForwardStream(node, peerId, signal), this.limits),
        channel => this.exchange(channel, peerId, head, req.body, signal), signal)
    } catch (err) {
      this.countForwardError(err)
      throw err
    }
  }

  private async openForwardStream(node: MeshNode, peerId: string, signal: AbortSignal | undefined): Promise<Stream> {
    try {
      const open = AbortSignal.timeout(this.timings.forwardOpenTimeoutMs)
      const stream = await node.dialProtocol(peerIdFromString(peerId), FORWARD_PROTOCOL, {
        signal: signal === undefined ? open : AbortSignal.any([signal, open]),
        // Lazy negotiation: the protocol id travels with the first request, one round trip less.
        negotiateFully: false
      })
      this.counters.forwardStreamsOpened++
      return stream
    } catch (err) {
      const aborted = signal?.aborted === true
      throw new ForwardError(aborted ? 'aborted' : 'peer_unreachable', aborted ? 'forward aborted by caller' : `peer ${peerId} unreachable: ${(err as Error).message}`, peerId, { cause: err })
    }
  }

  /** One request on `channel`; the stream returns to the pool when the exchange completes cleanly. */
  private async exchange(channel: FrameChannel, peerId: string, head: ForwardRequestHead, body: Uint8Array | ForwardBodySource, signal: AbortSignal | undefined): Promise<ForwardResponse> {
    const res = await sendForward(channel, peerId, head, body, signal, reusable => this.pool.give(peerId, channel, reusable && this.status === 'started'))
    return { ...res, body: this.countBodyErrors(res.body) }
  }

  async openTunnel(peerId: string, service: string, options: AbortOptions = {}): Promise<MeshTunnel> {
    const node = this.node
    if (node === undefined || this.status !== 'started') throw new TunnelError('peer_unreachable', 'mesh not started', peerId)
    if (peerId === this.selfId) throw new TunnelError('peer_unreachable', 'cannot tunnel to self', peerId)
    return this.tunnels.connect(node, peerId, service, options.signal, this.timings.forwardOpenTimeoutMs)
  }

  handleTunnel(service: string, handler: TunnelHandler): () => void {
    return this.tunnels.handle(service, handler)
  }

  setForwardHandler(handler: ForwardHandler, options: ForwardHandlerOptions = {}): void {
    this.handler = handler
    this.streamedPaths = options.streamedPaths ?? new Set()
  }

  async publish(topic: string, data: Uint8Array): Promise<void> {
    this.bus.checkOutbound(topic, data)
    const node = this.node
    if (node === undefined || this.status !== 'started') throw new Error('mesh not started')
    await node.services.pubsub.publish(topic, data)
  }

  subscribe(topic: string, handler: TopicHandler): () => void {
    return this.bus.subscribe(topic, handler)
  }

  /** Counters since construction (across restarts). `forwardErrors` counts both directions, not caller aborts. */
  stats(): MeshStats {
    return { ...this.counters, forwardStreamRetries: this.pool.retried, gossipOut: this.gossipOutBefore + (this.broadcaster?.published ?? 0) }
  }

  private async doStart(): Promise<void> {
    const clusterKey = this.init.clusterKey === undefined ? undefined : parseClusterKey(this.init.clusterKey)
    const privateKey = this.init.privateKey ??
      (this.init.identityPath === undefined ? undefined : await loadOrCreateIdentity(this.init.identityPath))
    const watch = new HandshakeWatch(r => this.onRejected(r))
    const node = await createMeshNode({
      privateKey,
      listenHost: this.init.listenHost ?? DEFAULT_LISTEN_HOST,
      port: this.init.port ?? DEFAULT_MESH_PORT,
      psk: clusterKey?.key,
      mdns: this.init.mdns ?? false,
      gossipHeartbeatMs: this.timings.gossipHeartbeatMs,
      watch,
      topics: this.bus.topics()
    })
    this.node = node
    this.selfId = node.peerId.toString()
    const log = this.log.child({ peerId: this.selfId })
    this.connector = new PeerConnector({ node, logger: log }, { retryIntervalMs: this.timings.redialIntervalMs, dialTimeoutMs: this.timings.forwardOpenTimeoutMs })
    this.dialer = new BootstrapDialer({ node, logger: log }, { peers: this.init.peers ?? [], redialIntervalMs: this.timings.redialIntervalMs })
    this.broadcaster = new StateBroadcaster(
      { publish: async data => { await node.services.pubsub.publish(NODE_STATE_TOPIC, data) }, logger: log },
      {
        peerId: this.selfId,
        heartbeatIntervalMs: this.timings.heartbeatIntervalMs,
        coalesceWindowMs: this.timings.coalesceWindowMs,
        decorate: () => ({ addrs: advertisedAddresses(node.getMultiaddrs().map(String)) })
      }
    )
    this.wireGossip(node)
    this.wireConnections(node)
    await node.start()
    const streams = this.init.maxForwardStreams ?? MAX_FORWARD_STREAMS
    await node.handle(FORWARD_PROTOCOL, (stream, connection) => {
      // the handler is chosen per request: once this node leaves, the next request on any stream is refused
      this.inboundForwards.add(stream)
      void serveForward(stream, connection.remotePeer.toString(), () => (this.leaving ? refuseWhileLeaving : this.handler), {
        limits: this.limits,
        readTimeoutMs: Math.max(this.timings.forwardOpenTimeoutMs, 10_000),
        idleTimeoutMs: FORWARD_SERVER_IDLE_MS,
        streamedPaths: path => this.streamedPaths.has(path),
        log,
        onRequest: () => { this.counters.forwardsIn++ },
        onError: () => { this.counters.forwardErrors++ },
        onCancel: () => { this.counters.forwardsCancelled++ }
      }).finally(() => this.inboundForwards.delete(stream))
    }, { maxInboundStreams: streams, maxOutboundStreams: streams })
    await this.tunnels.listen(node, () => this.leaving, log)
    this.poolTimer = setInterval(() => this.pool.sweep(), FORWARD_POOL_IDLE_MS / 3)
    this.poolTimer.unref?.()
    node.services.pubsub.subscribe(NODE_STATE_TOPIC)
    for (const topic of this.bus.topics()) node.services.pubsub.subscribe(topic)
    if (this.leaving) await this.broadcaster.leave()
    if (this.localState !== undefined) this.broadcaster.setLocalState(this.localState)
    this.broadcaster.start()
    this.dialer.start()
    this.tickTimer = setInterval(() => this.emitAll(this.table.tick(Date.now())), this.timings.tickIntervalMs)
    this.tickTimer.unref?.()
    const connected = (id: string): boolean => (this.connector?.addressesOf(id).length ?? 0) > 0
    this.rtt = new RttProber({ ping: async (id, signal) => node.services.ping.ping(peerIdFromString(id), { signal }), peers: () => this.table.list().filter(r => r.status === 'alive' && connected(r.peerId)).map(r => r.peerId) })
    this.rtt.start()
    log.info({ addrs: this.listenAddresses(), clusterKey: clusterKey === undefined ? 'none (open network)' : clusterKeyFingerprint(clusterKey) }, 'mesh started')
  }

  private wireGossip(node: MeshNode): void {
    const pubsub = node.services.pubsub
    // Validation runs before delivery and relaying, so invalid adverts are never propagated.
    pubsub.topicValidators.set(NODE_STATE_TOPIC, (_peer, msg) => {
      const result = decodeAdvert(msg.data, msg.type === 'signed' ? msg.from.toString() : undefined)
      if (result.ok) return TopicValidatorResult.Accept
      this.counters.gossipDropped++
      this.log.debug({ reason: result.reason, detail: result.detail }, 'dropped node-state advert')
      return TopicValidatorResult.Reject
    })
    for (const topic of this.bus.topics()) {
      pubsub.topicValidators.set(topic, (_peer, msg) => {
        const reason = this.bus.check(topic, msg.data, msg.type === 'signed' ? msg.from.toString() : undefined)
        if (reason === undefined) return TopicValidatorResult.Accept
        this.counters.gossipDropped++
        this.log.debug({ topic, reason }, 'dropped topic message')
        return TopicValidatorResult.Reject
      })
    }
    pubsub.addEventListener('message', evt => {
      const msg = evt.detail
      if (msg.type === 'signed' && msg.topic !== NODE_STATE_TOPIC && this.bus.has(msg.topic)) {
        this.counters.gossipIn++
        this.bus.deliver(msg.topic, msg.data, msg.from.toString())
        return
      }
      if (msg.topic !== NODE_STATE_TOPIC || msg.type !== 'signed') return
      const result = decodeAdvert(msg.data, msg.from.toString())
      if (!result.ok || result.state.peerId === this.selfId) return
      this.counters.gossipIn++
      const transitions = this.table.apply(result.state, Date.now())
      if (result.state.status === 'alive') this.connector?.ensureConnected(result.state.peerId, result.state.addrs)
      this.emitAll(transitions)
    })
    pubsub.addEventListener('subscription-change', evt => {
      // A peer that just subscribed learns our state within a coalesce window, not a heartbeat.
      if (evt.detail.subscriptions.some(s => s.subscribe && s.topic === NODE_STATE_TOPIC)) this.broadcaster?.markDirty()
    })
  }

  private wireConnections(node: MeshNode): void {
    node.addEventListener('peer:disconnect', evt => {
      const peerId = evt.detail.toString()
      this.pool.clear(peerId)
      this.emitAll(this.table.connectionClosed(peerId, Date.now()))
      const record = this.table.get(peerId)
      if (record !== undefined && (record.status === 'alive' || record.status === 'suspect')) {
        this.connector?.ensureConnected(peerId, record.state.addrs)
      }
    })
    node.addEventListener('peer:discovery', evt => {
      // mDNS finds peers but libp2p does not dial them by itself.
      this.connector?.ensureConnected(evt.detail.id.toString(), evt.detail.multiaddrs.map(String))
    })
  }

  private emitAll(transitions: PeerTransition[]): void {
    for (const t of transitions) {
      if (t.type === 'remove') {
        this.connector?.forget(t.peer.peerId)
        this.log.debug({ peer: t.peer.peerId }, 'peer tombstone expired')
        continue
      }
      const level = t.type === 'update' || t.type === 'suspect' ? 'debug' : 'info'
      this.log[level]({ peer: t.peer.peerId, name: t.peer.state.name, status: t.peer.status }, `peer ${t.type}`)
      this.dispatchEvent(new CustomEvent<PeerView>(TRANSITION_EVENTS[t.type], { detail: this.view(t.peer) }))
    }
  }

  private view(record: PeerRecord): PeerView {
    return {
      peerId: record.peerId,
      status: record.status,
      state: record.state,
      lastSeen: record.lastSeen,
      addresses: this.connector?.addressesOf(record.peerId) ?? [],
      ...rttOf(this.rtt?.table.get(record.peerId))
    }
  }

  private onRejected(rejection: HandshakeRejection): void {
    if (this.status === 'stopping' || this.status === 'stopped') return
    this.counters.handshakesRejected++
    // A misconfigured node redials forever: warn once per address, then debug.
    const first = !this.loggedRejections.has(rejection.address) && this.loggedRejections.size < 1024
    if (first) this.loggedRejections.add(rejection.address)
    this.log[first ? 'warn' : 'debug']({ address: rejection.address, reason: rejection.reason }, 'rejected connection: handshake failed')
    this.dispatchEvent(new CustomEvent('peer:rejected', { detail: rejection }))
  }

  private async *countBodyErrors(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      yield * body
    } catch (err) {
      this.countForwardError(err)
      throw err
    }
  }

  private countForwardError(err: unknown): void {
    if (!(err instanceof ForwardError && err.code === 'aborted')) this.counters.forwardErrors++
  }

  /** Stops everything that started, in reverse order; safe on a partial start. */
  private async teardown(): Promise<void> {
    clearInterval(this.tickTimer)
    this.tickTimer = undefined
    clearInterval(this.poolTimer)
    this.poolTimer = undefined
    this.rtt?.stop()
    this.rtt = undefined
    // Streams still open here are idle (leave drains in-flight work first): reset them rather than
    // have libp2p close hundreds of them gracefully one by one.
    this.pool.clear(undefined, true)
    for (const s of this.inboundForwards) s.abort(new Error('mesh stopping'))
    this.tunnels.closeAll()
    this.inboundForwards.clear()
    this.dialer?.stop()
    this.connector?.stop()
    if (this.broadcaster !== undefined) {
      this.broadcaster.stop()
      this.gossipOutBefore += this.broadcaster.published
    }
    const node = this.node
    this.node = undefined
    this.broadcaster = undefined
    this.dialer = undefined
    this.connector = undefined
    this.leaving = false
    this.table.clear()
    try {
      await node?.stop()
    } catch (err) {
      this.log.warn({ err }, 'stopping libp2p failed')
    }
  }
}

const rttOf = (ms: number | undefined): { rttMs?: number } => (ms === undefined ? {} : { rttMs: ms })
