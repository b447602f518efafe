/**
 * A member that holds the cluster key but speaks garbage: a real libp2p node (same transport, pnet,
 * Noise, yamux and gossipsub as an agent) that publishes fuzzed gossip on the node-state and control
 * topics and opens forward streams carrying fuzzed frames. What a node must do with it: drop each bad
 * frame or stream, never crash, never let it into (or corrupt) its peer table.
 */
import fc from 'fast-check'
import * as varint from 'uint8-varint'
import { multiaddr } from '@multiformats/multiaddr'
import { createMeshNode, type MeshNode } from '../../mesh/src/transport/create-node.js'
import { HandshakeWatch } from '../../mesh/src/transport/handshake-watch.js'
import { parseClusterKey } from '../../mesh/src/index.js'
import { NODE_STATE_TOPIC } from '../../mesh/src/protocol/node-state.js'
import { FORWARD_PROTOCOL } from '../../mesh/src/constants.js'
import { encodeJsonFrame, encodeDataFrame, FRAME_END, FRAME_HEAD, FORWARD_WIRE_VERSION } from '../../mesh/src/protocol/forward-frames.js'

const enc = new TextEncoder()

export interface RogueMember {
  node: MeshNode
  peerId: string
  /** Publishes `data` on `topic` (signed by the rogue, as gossipsub requires). */
  publish(topic: string, data: Uint8Array): Promise<void>
  /** Opens a forward stream to `peerId`, writes `bytes`, and waits until the stream ends or `ms` pass. */
  sendForward(peerId: string, bytes: Uint8Array, ms?: number): Promise<'closed' | 'open'>
  stop(): Promise<void>
}

/** Starts the rogue and connects it to `target` (a multiaddr with /p2p/). */
export async function startRogue(clusterKey: string, target: string, topics: string[]): Promise<RogueMember> {
  const node = await createMeshNode({
    listenHost: '127.0.0.1',
    port: 0,
    psk: parseClusterKey(clusterKey).key,
    mdns: false,
    gossipHeartbeatMs: 200,
    watch: new HandshakeWatch(() => {}),
    topics
  })
  await node.start()
  for (const t of [NODE_STATE_TOPIC, ...topics]) node.services.pubsub.subscribe(t)
  await node.dial(multiaddr(target))
  return {
    node,
    peerId: node.peerId.toString(),
    publish: async (topic, data) => {
      await node.services.pubsub.publish(topic, data)
    },
    sendForward: async (peerId, bytes, ms = 5_000) => {
      const conn = node.getConnections().find((c) => c.remotePeer.toString() === peerId)
      if (!conn) throw new Error('not connected')
      const stream = await conn.newStream(FORWARD_PROTOCOL, { negotiateFully: false })
      const closed = new Promise<'closed'>((r) => stream.addEventListener('close', () => r('closed'), { once: true }))
      stream.send(bytes)
      const timer = new Promise<'open'>((r) => setTimeout(() => r('open'), ms).unref())
      const outcome = await Promise.race([closed, timer])
      if (outcome === 'open') stream.abort(new Error('rogue done'))
      return outcome
    },
    stop: async () => {
      await node.stop()
    }
  }
}

/** Gossip payloads: raw bytes, JSON of any shape, adverts with one field wrong, adverts claiming another node's id, oversized ones. */
export function gossipGarbage(validAdvert: Record<string, unknown>, victimIds: string[]): fc.Arbitrary<Uint8Array> {
  const keys = Object.keys(validAdvert)
  const mutated = fc.tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => enc.encode(JSON.stringify({ ...validAdvert, [k]: v })))
  const impostor = fc.constantFrom(...victimIds).map((id) => enc.encode(JSON.stringify({ ...validAdvert, peerId: id, name: 'impostor', seq: Number.MAX_SAFE_INTEGER })))
  return fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => enc.encode(JSON.stringify(v))),
    mutated,
    impostor,
    fc.constant(enc.encode(JSON.stringify({ ...validAdvert, name: 'x'.repeat(70 * 1024) })))
  )
}

/** Forward-stream byte sequences: raw bytes, bad lengths, bad heads, bodies that do not match, frames out of order. */
export function forwardGarbage(): fc.Arbitrary<Uint8Array> {
  const frame = (payload: Uint8Array): Uint8Array => concat(varint.encode(payload.byteLength), payload)
  const head = (value: unknown): Uint8Array => frame(encodeJsonFrame(FRAME_HEAD, value, 1 << 20))
  const validHead = { v: FORWARD_WIRE_VERSION, method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, requestId: 'rogue', hops: 1, bodyLength: 10 }
  return fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 512 }),
    // a length prefix far over the frame limit, or one that never completes
    fc.constantFrom(varint.encode(2 ** 40), varint.encode(300 * 1024), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)),
    fc.jsonValue({ maxDepth: 2 }).map(head),
    fc.tuple(fc.constantFrom(...Object.keys(validHead)), fc.jsonValue({ maxDepth: 1 })).map(([k, v]) => head({ ...validHead, [k]: v })),
    // a body shorter or longer than announced, or data where a head belongs, or an END first
    fc.uint8Array({ maxLength: 40 }).map((b) => concat(head(validHead), frame(encodeDataFrame(b)))),
    fc.uint8Array({ maxLength: 40 }).map((b) => frame(encodeDataFrame(b))),
    fc.jsonValue({ maxDepth: 1 }).map((v) => frame(encodeJsonFrame(FRAME_END, v, 1 << 20))),
    // unknown frame tags
    fc.tuple(fc.integer({ min: 4, max: 255 }), fc.uint8Array({ maxLength: 40 })).map(([tag, b]) => frame(concat(Uint8Array.of(tag), b)))
  )
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.byteLength
  }
  return out
}
