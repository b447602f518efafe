/**
 * Public contracts of the mesh. The agent sees only these: peers and their gossiped state, a way to
 * publish its own state, and a forward channel that carries an HTTP-shaped request to a peer and
 * streams the HTTP-shaped response back.
 */
import type { Duplex } from 'node:stream'
import type { NodeState } from './protocol/node-state.js'

export interface AbortOptions {
  signal?: AbortSignal
}

/** alive: fresh heartbeat; suspect: heartbeat late; dead: gone (kept briefly as a tombstone); left: announced leave. */
export type PeerStatus = 'alive' | 'suspect' | 'dead' | 'left'

/** One peer as the local node sees it. */
export interface PeerView {
  peerId: string
  status: PeerStatus
  /** Latest gossiped state (highest seq seen). */
  state: NodeState
  /** Local clock time (ms since epoch) when the last advert or heartbeat arrived. */
  lastSeen: number
  /** Multiaddrs of the live connection(s), if connected. */
  addresses: string[]
  /** Round-trip time to the peer (ms, the median of its last libp2p pings); absent until the first ping answers or times out. */
  rttMs?: number
}

/** The identity of whoever made the request at the ingress node; trusted only from mesh members. */
export interface ForwardCaller {
  kind: 'anonymous' | 'api-key' | 'user'
  id?: string
  scopes?: string[]
}

/**
 * A request body sent as it is read, not held: its exact length, and a fresh read of its bytes for each
 * attempt (a retry on a fresh stream, a failover to the next peer), e.g. a spooled upload opened again.
 */
export interface ForwardBodySource {
  readonly byteLength: number
  open(): AsyncIterable<Uint8Array>
}

/**
 * A request body as the serving handler of a streamed path reads it: chunks as they arrive, with
 * bounded buffering (the stream is paused while the handler does not read). Iterable once; it throws
 * when the caller breaks the protocol (a body shorter or longer than announced, too slow) or goes away.
 */
export interface ForwardBodyStream extends AsyncIterable<Uint8Array> {
  readonly byteLength: number
}

/** An HTTP-shaped request carried to a peer over `/llmlb/forward/2.0.0`. */
export interface ForwardRequest {
  method: string
  /** Path with query, e.g. `/v1/chat/completions`. */
  path: string
  /** Only the headers that matter (content-type, accept, x-request-id…), lower-case names. */
  headers: Record<string, string>
  /** Bytes sent at once, or a source streamed as it is read (with back-pressure). */
  body: Uint8Array | ForwardBodySource
  requestId: string
  /** Hops taken so far (the ingress forwarding once sends 1). */
  hops: number
  caller?: ForwardCaller
}

/** The peer's response: status and headers first, then body chunks as they are produced (SSE unbuffered). */
export interface ForwardResponse {
  status: number
  headers: Record<string, string>
  body: AsyncIterable<Uint8Array>
}

/** A forwarded request as its handler gets it. */
export interface ForwardedRequest extends Omit<ForwardRequest, 'body'> {
  /** The whole body, read before the handler is called; empty on a streamed path. */
  body: Uint8Array
  /** On a streamed path (`ForwardHandlerOptions.streamedPaths`): the body as it arrives. */
  stream?: ForwardBodyStream
}

/** Serves a forwarded request on this node. `signal` aborts when the ingress side cancels or the stream breaks. */
export type ForwardHandler = (req: ForwardedRequest, from: string, options: { signal: AbortSignal }) => Promise<ForwardResponse>

export interface ForwardHandlerOptions {
  /**
   * Paths (without query) whose request body the handler reads as a stream (`ForwardedRequest.stream`)
   * instead of a buffer: uploads, which may be larger than the buffered limit. Every other path is read whole first.
   */
  streamedPaths?: ReadonlySet<string>
}

/** Events of the mesh (`CustomEvent<PeerView>` unless stated). */
export interface MeshEvents {
  'peer:join': CustomEvent<PeerView>
  'peer:update': CustomEvent<PeerView>
  'peer:suspect': CustomEvent<PeerView>
  'peer:dead': CustomEvent<PeerView>
  'peer:leave': CustomEvent<PeerView>
  /** A connection attempt from/to a node that failed the private-network handshake (wrong or no cluster key). */
  'peer:rejected': CustomEvent<{ address: string; reason: string; direction?: 'inbound' | 'outbound' }>
}

/** Counters for metrics. */
export interface MeshStats {
  gossipIn: number
  gossipOut: number
  gossipDropped: number
  forwardsOut: number
  forwardsIn: number
  forwardErrors: number
  /** Forward streams opened; far below `forwardsOut` when pooled streams are reused. */
  forwardStreamsOpened?: number
  /** Forwards sent again on a fresh stream because their pooled one had just been closed by the peer. */
  forwardStreamRetries?: number
  /** Connection handshakes that failed: wrong or missing cluster key, failed Noise. */
  handshakesRejected?: number
  /** Forwarded requests served here that their caller cancelled before the response was complete (it gave up on this node). */
  forwardsCancelled?: number
}

/**
 * A raw byte tunnel to a service on a peer over `/llmlb/tunnel/1.0.0` (inside the private network,
 * Noise-encrypted). A Node.js Duplex: pipe it to and from a `net.Socket` (back-pressure and half-close
 * follow Node's rules); `end()` ends the peer's readable side, `destroy()` resets both ends.
 */
export interface MeshTunnel extends Duplex {
  /** The peer at the other end. */
  readonly peerId: string
  readonly service: string
  /** Payload bytes received and sent so far (benchmarks, metrics). */
  readonly bytesIn: number
  readonly bytesOut: number
}

/**
 * Serves inbound tunnels of one service. Throwing (or rejecting) refuses the tunnel: the opener's
 * `openTunnel` rejects with TunnelError `refused` and the error's message as the reason. Bytes written
 * to the tunnel before the handler returns are held until the opener has the acceptance.
 */
export type TunnelHandler = (tunnel: MeshTunnel, fromPeerId: string) => void | Promise<void>

export interface Mesh extends EventTarget {
  start(): Promise<void>
  /** Announces leave, then stops libp2p. Idempotent. */
  stop(): Promise<void>
  /** Gossips `status: 'leaving'` at once (graceful shutdown, step one). */
  leave(): Promise<void>
  peerId(): string
  /** Listen multiaddrs including `/p2p/<id>`. */
  listenAddresses(): string[]
  /**
   * Sets this node's state. The mesh publishes changes coalesced (at most one advert per
   * COALESCE_WINDOW_MS) and re-publishes as a heartbeat every HEARTBEAT_INTERVAL_MS. `seq`, `peerId`
   * and `addrs` are filled in by the mesh. Throws at once (ZodError, RangeError) if the state is invalid
   * or its advert would exceed MAX_NODE_STATE_BYTES; the previous state stays in effect.
   */
  setLocalState(state: Omit<NodeState, 'seq' | 'peerId' | 'addrs'>): void
  /** Current peer views (never includes self). Dead peers leave this list once their tombstone expires. */
  peers(): PeerView[]
  /** Sends a request to a peer and resolves when the response head arrives. Rejects with ForwardError before the head. */
  forward(peerId: string, req: ForwardRequest, options?: AbortOptions): Promise<ForwardResponse>
  /** Installs the handler for inbound forwarded requests. */
  setForwardHandler(handler: ForwardHandler, options?: ForwardHandlerOptions): void
  /**
   * Gossips `data` to every member subscribed to `topic`, an application topic declared when the mesh
   * was created (`Libp2pMeshInit.topics`). Messages are signed by this node and at most
   * MAX_TOPIC_MESSAGE_BYTES. Resolves once handed to gossip (delivery is best effort: pair it with an
   * anti-entropy exchange). Throws TypeError for an undeclared topic, RangeError when too large, and
   * rejects when the mesh is not started.
   */
  publish(topic: string, data: Uint8Array): Promise<void>
  /**
   * Calls `handler(data, fromPeerId)` for every message other members publish on a declared `topic`
   * (never for this node's own). The bytes are unparsed and untrusted: the consumer safeParses them.
   * May be called before `start()`. Returns a function that removes the handler.
   */
  subscribe(topic: string, handler: TopicHandler): () => void
  stats(): MeshStats
  /**
   * Opens a tunnel to `service` on `peerId`. Rejects with TunnelError: `refused` (with the handler's
   * reason), `peer_unreachable`, `aborted` or `protocol_error`.
   */
  openTunnel(peerId: string, service: string, options?: AbortOptions): Promise<MeshTunnel>
  /** Installs the handler of inbound tunnels for `service` (replacing any); may be called before `start()`. Returns a remover. */
  handleTunnel(service: string, handler: TunnelHandler): () => void
}

/** Receives one application gossip message: its bytes and the peer id that signed it. */
export type TopicHandler = (data: Uint8Array, from: string) => void
