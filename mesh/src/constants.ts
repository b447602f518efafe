/**
 * Defaults of the mesh, with units. Every timing here can be overridden through the `MeshTimings`
 * fields of `Libp2pMeshInit`; `TEST_MESH_TIMINGS` is the tiny-interval profile used
 * by in-process tests.
 *
 * The membership timings are chosen so that a node that dies silently (no TCP close seen) leaves every
 * other node's routing within 2 s: its last advert arrived at most HEARTBEAT_INTERVAL_MS before it died,
 * it turns dead DEAD_AFTER_MS after that advert, and the table is ticked every PEER_TABLE_TICK_MS
 * (1800 + 100 < 2000). A death the kernel reports (process killed, TCP closed) is faster: suspect at
 * once, dead after CONNECTION_CLOSE_GRACE_MS. See specs/membership.md.
 */

/** Interval of the heartbeat re-publication of the local node state (ms). */
export const HEARTBEAT_INTERVAL_MS = 500

/** A state change is published at most once per this window; later changes in the window are merged (ms). */
export const COALESCE_WINDOW_MS = 100

/**
 * A peer whose newest advert is older than this is `suspect` (ms). Two heartbeats: one lost or late
 * advert does not flap a healthy peer.
 */
export const SUSPECT_AFTER_MS = 1_000

/** A peer whose newest advert is older than this is `dead` and leaves routing (ms). */
export const DEAD_AFTER_MS = 1_800

/**
 * After the last connection to a peer closes, the peer is `suspect` at once and `dead` unless a newer
 * advert arrives within this grace (ms). Covers benign reconnects: a live peer's next heartbeat, relayed
 * or over a fresh connection, arrives well inside it.
 */
export const CONNECTION_CLOSE_GRACE_MS = 1_000

/** Dead and left peers stay visible (as tombstones) this long before they are forgotten (ms). */
export const TOMBSTONE_MS = 30_000

/** How often the peer table is checked for late heartbeats (ms). */
export const PEER_TABLE_TICK_MS = 100

/** How often configured bootstrap peers are redialled while disconnected (ms). */
export const BOOTSTRAP_REDIAL_MS = 2_000

/** Gossipsub mesh maintenance interval (ms); grafting of new topic peers happens on this beat. */
export const GOSSIP_HEARTBEAT_MS = 700

/** Largest forward head or trailer frame: method, path, headers, caller (bytes). */
export const MAX_FORWARD_HEAD_BYTES = 64 * 1024

/** Largest request body read whole, and largest total response body, carried by one forward (bytes). */
export const MAX_FORWARD_BODY_BYTES = 64 * 1024 * 1024

/** Largest request body streamed to a handler (a streamed path, e.g. an upload), never held whole (bytes). */
export const MAX_FORWARD_STREAMED_BODY_BYTES = 64 * 1024 * 1024

/**
 * Slowest a streamed request body may arrive (bytes/s): its deadline is the read deadline plus its
 * length at this rate, so a stalled or trickling caller cannot pin a stream and a large body still fits.
 */
export const MIN_FORWARD_STREAM_RATE = 1024 * 1024

/** Body data is split into frames of at most this size so one large chunk cannot monopolise the muxer (bytes). */
export const MAX_FORWARD_FRAME_BYTES = 256 * 1024

/** Time allowed to dial a peer and open a forward stream before `peer_unreachable` (ms). */
export const FORWARD_OPEN_TIMEOUT_MS = 5_000

/** Concurrent forward streams allowed per connection, each direction (idle pooled streams included). */
export const MAX_FORWARD_STREAMS = 512

/** Idle forward streams kept per peer for the next request (specs/protocols.md). */
export const FORWARD_POOL_MAX_IDLE = 128

/** An idle pooled forward stream is closed by its caller after this long (ms). */
export const FORWARD_POOL_IDLE_MS = 15_000

/** The serving side closes a forward stream that has waited this long for its next request (ms). */
export const FORWARD_SERVER_IDLE_MS = 60_000

/**
 * Largest message on an application gossip topic (`Mesh.publish`), e.g. a control-plane delta (bytes).
 * Larger payloads must be split by the publisher.
 */
export const MAX_TOPIC_MESSAGE_BYTES = 64 * 1024

/** Stream protocol of forwarded requests; the version is part of the id (specs/protocols.md). */
export const FORWARD_PROTOCOL = '/llmlb/forward/2.0.0'

/** Stream protocol of raw byte tunnels between members (`Mesh.openTunnel`, specs/protocols.md). */
export const TUNNEL_PROTOCOL = '/llmlb/tunnel/1.0.0'

/** Concurrent tunnel streams per connection, each direction. */
export const MAX_TUNNEL_STREAMS = 64

/** Time a serving node waits for a tunnel's head, and an opener for the reply (ms). */
export const TUNNEL_HANDSHAKE_TIMEOUT_MS = 10_000

/** TCP port the mesh listens on when none is configured (the HTTP API defaults to 32768). */
export const DEFAULT_MESH_PORT = 32769

/** Address the mesh listens on when none is configured. */
export const DEFAULT_LISTEN_HOST = '0.0.0.0'

/** All membership and gossip timings (ms), each overridable. */
export interface MeshTimings {
  /** @default HEARTBEAT_INTERVAL_MS */
  heartbeatIntervalMs: number
  /** @default COALESCE_WINDOW_MS */
  coalesceWindowMs: number
  /** @default SUSPECT_AFTER_MS */
  suspectAfterMs: number
  /** @default DEAD_AFTER_MS */
  deadAfterMs: number
  /** @default CONNECTION_CLOSE_GRACE_MS */
  closeGraceMs: number
  /** @default TOMBSTONE_MS */
  tombstoneMs: number
  /** @default PEER_TABLE_TICK_MS */
  tickIntervalMs: number
  /** @default BOOTSTRAP_REDIAL_MS */
  redialIntervalMs: number
  /** @default GOSSIP_HEARTBEAT_MS */
  gossipHeartbeatMs: number
  /** @default FORWARD_OPEN_TIMEOUT_MS */
  forwardOpenTimeoutMs: number
}

/** Production timings. */
export const DEFAULT_MESH_TIMINGS: Readonly<MeshTimings> = Object.freeze({
  heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
  coalesceWindowMs: COALESCE_WINDOW_MS,
  suspectAfterMs: SUSPECT_AFTER_MS,
  deadAfterMs: DEAD_AFTER_MS,
  closeGraceMs: CONNECTION_CLOSE_GRACE_MS,
  tombstoneMs: TOMBSTONE_MS,
  tickIntervalMs: PEER_TABLE_TICK_MS,
  redialIntervalMs: BOOTSTRAP_REDIAL_MS,
  gossipHeartbeatMs: GOSSIP_HEARTBEAT_MS,
  forwardOpenTimeoutMs: FORWARD_OPEN_TIMEOUT_MS
})

/**
 * Tiny intervals for in-process tests on loopback: membership converges in a few hundred ms. The
 * thresholds keep ten heartbeats of slack, as long as production's: a 2-core CI box running stress-ng
 * beside the suite stalls event loops for most of a second, and tighter thresholds flapped peers there.
 */
export const TEST_MESH_TIMINGS: Readonly<MeshTimings> = Object.freeze({
  heartbeatIntervalMs: 100,
  coalesceWindowMs: 20,
  suspectAfterMs: 1_000,
  deadAfterMs: 2_000,
  closeGraceMs: 500,
  tombstoneMs: 5_000,
  tickIntervalMs: 25,
  redialIntervalMs: 200,
  gossipHeartbeatMs: 100,
  forwardOpenTimeoutMs: 2_000
})

/** Picks the timings out of `overrides` (which may hold other keys), defaults for the unset ones. */
export function resolveTimings(overrides: Partial<MeshTimings> = {}): MeshTimings {
  const out = { ...DEFAULT_MESH_TIMINGS }
  for (const key of Object.keys(DEFAULT_MESH_TIMINGS) as Array<keyof MeshTimings>) {
    const value = overrides[key]
    if (value !== undefined) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`mesh timing ${key} must be a non-negative number, got ${value}`)
      out[key] = value
    }
  }
  return out
}

/** Every connected peer's round-trip time is measured this often (libp2p ping; routing's hop cost) (ms). */
export const RTT_PROBE_INTERVAL_MS = 2_000

/** A ping that has not answered within this counts as this long (ms). */
export const RTT_PROBE_TIMEOUT_MS = 3_000

/**
 * What a paused stream may still receive: yamux grows a stream's window up to 16 MiB, and a sender may
 * fill the window it was granted before the pause. libp2p resets a paused stream whose read buffer
 * passes `maxReadBufferLength` (4 MiB by default), so a stream this node pauses (a forward whose reader
 * is slow, a tunnel whose socket is) allows the whole window.
 */
export const PAUSED_READ_BUFFER_BYTES = 16 * 1024 * 1024 + 64 * 1024
