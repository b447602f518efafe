/**
 * libp2p wiring, and nothing else: TCP + (pnet) + Noise + Yamux, identify, ping, gossipsub, optional
 * mDNS. Returns an unstarted node so the caller can attach listeners before any connection exists.
 */
import { isIPv4, isIPv6 } from 'node:net'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { noise } from '@libp2p/noise'
import { nativeNoiseCrypto } from './native-noise-crypto.js'
import { ping, type Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { tuneYamuxWindow } from './yamux-tuning.js'
import { createLibp2p } from 'libp2p'
import { MAX_NODE_STATE_BYTES, NODE_STATE_TOPIC } from '../protocol/node-state.js'
import type { HandshakeWatch } from './handshake-watch.js'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { nativePreSharedKey } from './native-pnet.js'
import { tuneFrameDecoder } from './decoder-tuning.js'

/** mDNS service name of llmlb agents, so they never discover (or dial) unrelated libp2p nodes. */
export const MDNS_SERVICE_TAG = '_llmlb._udp.local'

/**
 * Inbound connections accepted per second from one host. libp2p's default (5) is meant for the public
 * internet; on a LAN several agents can share a host, and a whole cluster may redial at once.
 */
const INBOUND_CONNECTIONS_PER_HOST_PER_S = 100

export type MeshServices = {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
}

export type MeshNode = Libp2p<MeshServices>

export interface MeshNodeInit {
  /** Node identity; a fresh Ed25519 key when unset. */
  privateKey?: PrivateKey
  /** IP address to listen on ('0.0.0.0' for all interfaces). */
  listenHost: string
  /** TCP port; 0 picks a free one. */
  port: number
  /** Parsed cluster key (pnet text bytes); undefined for an open network. */
  psk?: Uint8Array
  mdns: boolean
  /** @default GOSSIP_HEARTBEAT_MS */
  gossipHeartbeatMs: number
  /** Fires on failed handshakes; see HandshakeWatch. */
  watch: HandshakeWatch
  /** Application gossip topics accepted besides the node-state topic. @default [] */
  topics?: readonly string[]
}

/** Creates the libp2p node, not started. */
export async function createMeshNode(init: MeshNodeInit): Promise<MeshNode> {
  tuneFrameDecoder()
  tuneYamuxWindow()
  return createLibp2p<MeshServices>({
    start: false,
    privateKey: init.privateKey,
    addresses: { listen: [listenAddress(init.listenHost, init.port)] },
    transports: [tcp()],
    connectionProtector: init.watch.protector(init.psk === undefined ? undefined : nativePreSharedKey({ psk: init.psk })),
    // Noise's transport cipher native (libsodium), as the cluster key's is
    connectionEncrypters: [init.watch.encrypter(noise({ crypto: nativeNoiseCrypto }))],
    streamMuxers: [yamux()],
    peerDiscovery: init.mdns ? [mdns({ serviceTag: MDNS_SERVICE_TAG })] : [],
    connectionManager: {
      inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_HOST_PER_S,
      maxIncomingPendingConnections: 64
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        // Adverts are published before any peer subscribes (first node up, or alone after a partition).
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        heartbeatInterval: init.gossipHeartbeatMs,
        // Adverts are signed and bound to their signer (advert-codec); unsigned gossip is refused.
        globalSignaturePolicy: 'StrictSign',
        allowedTopics: [NODE_STATE_TOPIC, ...(init.topics ?? [])],
        // Larger than the advert limit so oversized adverts reach advert-codec and are counted as dropped.
        maxInboundDataLength: 2 * MAX_NODE_STATE_BYTES
      })
    }
  })
}

function listenAddress(host: string, port: number): string {
  if (isIPv4(host)) return `/ip4/${host}/tcp/${port}`
  if (isIPv6(host)) return `/ip6/${host}/tcp/${port}`
  throw new TypeError(`mesh listen host must be an IP address, got "${host}"`)
}
