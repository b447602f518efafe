/**
 * @packageDocumentation
 * The llmlb mesh: peers find each other (bootstrap peers or mDNS) over libp2p, gossip their node
 * state, track membership (alive / suspect / dead / left), and forward HTTP-shaped requests to each
 * other over `/llmlb/forward/2.0.0`, streaming responses back. The only public surface of `mesh/`;
 * specs/protocols.md and specs/membership.md describe the wire formats and the state machine.
 *
 * Entry points that load this module on Node 20 must import `./polyfill.js` first.
 */
export type {
  AbortOptions,
  ForwardCaller,
  ForwardBodySource,
  ForwardBodyStream,
  ForwardedRequest,
  ForwardHandler,
  ForwardHandlerOptions,
  ForwardRequest,
  ForwardResponse,
  Mesh,
  MeshEvents,
  MeshStats,
  MeshTunnel,
  TunnelHandler,
  PeerStatus,
  PeerView,
  TopicHandler
} from './interfaces.js'
export {
  GpuAdvertSchema,
  MAX_NODE_STATE_BYTES,
  ModelAdvertSchema,
  NODE_STATE_TOPIC,
  NodeStateSchema,
  ProviderAdvertSchema,
  RpcWorkerAdvertSchema,
  type ModelAdvert,
  type RpcWorkerAdvert,
  type NodeState,
  type ProviderAdvert
} from './protocol/node-state.js'
export type { LocalNodeState } from './broadcast/state-broadcaster.js'
export type { ForwardLimits } from './forward/frame-channel.js'
export { TOPIC_NAME_PATTERN } from './broadcast/topic-bus.js'
export {
  COALESCE_WINDOW_MS,
  CONNECTION_CLOSE_GRACE_MS,
  DEAD_AFTER_MS,
  DEFAULT_LISTEN_HOST,
  DEFAULT_MESH_PORT,
  DEFAULT_MESH_TIMINGS,
  FORWARD_PROTOCOL,
  HEARTBEAT_INTERVAL_MS,
  MAX_FORWARD_BODY_BYTES,
  MAX_FORWARD_HEAD_BYTES,
  MAX_FORWARD_STREAMED_BODY_BYTES,
  MAX_TOPIC_MESSAGE_BYTES,
  RTT_PROBE_INTERVAL_MS,
  RTT_PROBE_TIMEOUT_MS,
  SUSPECT_AFTER_MS,
  TEST_MESH_TIMINGS,
  TOMBSTONE_MS,
  TUNNEL_PROTOCOL,
  type MeshTimings
} from './constants.js'
export {
  ForwardError,
  InvalidClusterKeyError,
  InvalidIdentityError,
  InvalidPeerAddressError,
  TunnelError,
  type ForwardErrorCode,
  type TunnelErrorCode
} from './errors.js'
export { Libp2pMesh, type Libp2pMeshComponents, type Libp2pMeshInit, type MeshStopOptions } from './libp2p-mesh.js'
export { clusterKeyFingerprint, generateClusterKey, parseClusterKey, type ParsedClusterKey } from './transport/cluster-key.js'
export { loadOrCreateIdentity } from './transport/identity.js'
export { parsePeerAddress } from './transport/peer-address.js'
