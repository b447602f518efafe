/** Everything about one request that is not its body. */
export interface RequestContext {
  requestId: string
  /** Aborts when the client disconnects (or the ingress peer cancels a forwarded request). */
  signal: AbortSignal
  /** Hops this request has already taken through the mesh (0 at the ingress node). */
  hops: number
  /** When true, the request must be served here (it was forwarded to us). */
  local: boolean
  caller?: { kind: 'anonymous' | 'api-key' | 'user'; id?: string; scopes?: string[] }
  /**
   * The body's bytes as the client sent them, when they are at hand. A forward sends these instead of
   * serializing the parsed body again (a long conversation is 100 KB of JSON: ~0.17 ms saved on the
   * way to the first token); the serving node parses and validates them with the same schema.
   */
  rawBody?: Uint8Array
  /**
   * This request already waited on a holder that failed before answering (dead, silent): it goes ahead
   * of the requests waiting for a slot wherever it lands next, so a fault costs it one wait for a slot,
   * not the whole queue of the holders left (chaos goal: worst latency ≤ detect + 2 × service).
   */
  failedOver?: boolean
}

/** Header of a forward that is a failover attempt (set by the ingress only: client headers never cross). */
export const FAILOVER_HEADER = 'x-llmlb-failover'

/** Header of a forwarded response: the serving node's time to its response head (ms), see `RouteInfo.peerHeadMs`. */
export const HEAD_MS_HEADER = 'x-llmlb-head-ms'

/** Where and why a request was served; turned into `x-llmlb-*` headers. */
export interface RouteInfo {
  servedBy: string
  route: 'local' | 'forwarded'
  reason: string
  hops: number
  queueWaitMs?: number
  /** Forwarded only: the serving node's own time from receiving the request to its response head (ms), for the per-hop overhead metric. */
  peerHeadMs?: number
  /** The backend that served it when not the native runtime: an engine kind or `cloud:<provider>`. */
  engine?: string
}
