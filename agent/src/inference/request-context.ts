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
}

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
