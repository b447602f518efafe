/**
 * Encoding of node-state adverts on the gossip topic: UTF-8 JSON of `NodeState`, at most
 * MAX_NODE_STATE_BYTES. Decoding is the trust boundary of gossip: size-checked before parsing,
 * `safeParse`d, and bound to the gossipsub signer (`from`) so no node can speak for another.
 */
import { MAX_NODE_STATE_BYTES, NodeStateSchema, type NodeState } from '../protocol/node-state.js'

/** Why an inbound advert was dropped (logged and counted, never thrown). */
export type AdvertDropReason = 'oversized' | 'not_json' | 'invalid' | 'peer_mismatch' | 'unsigned'

export type AdvertDecodeResult = { ok: true; state: NodeState } | { ok: false; reason: AdvertDropReason; detail?: string }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Encodes an advert. Throws RangeError when it exceeds `maxBytes` (default MAX_NODE_STATE_BYTES). */
export function encodeAdvert(state: NodeState, maxBytes = MAX_NODE_STATE_BYTES): Uint8Array {
  const data = encoder.encode(JSON.stringify(state))
  if (data.byteLength > maxBytes) {
    throw new RangeError(`node state advert of ${data.byteLength} bytes exceeds ${maxBytes}`)
  }
  return data
}

/**
 * Decodes and validates an advert. `from` is the peer id that signed the gossip message (undefined
 * for unsigned messages, which are refused).
 */
export function decodeAdvert(data: Uint8Array, from: string | undefined, maxBytes = MAX_NODE_STATE_BYTES): AdvertDecodeResult {
  if (from === undefined) return { ok: false, reason: 'unsigned' }
  if (data.byteLength > maxBytes) return { ok: false, reason: 'oversized', detail: `${data.byteLength} bytes` }
  let json: unknown
  try {
    json = JSON.parse(decoder.decode(data))
  } catch {
    return { ok: false, reason: 'not_json' }
  }
  const parsed = NodeStateSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { ok: false, reason: 'invalid', detail: issue === undefined ? undefined : `${issue.path.join('.')}: ${issue.message}` }
  }
  if (parsed.data.peerId !== from) {
    return { ok: false, reason: 'peer_mismatch', detail: `advert for ${parsed.data.peerId} signed by ${from}` }
  }
  return { ok: true, state: parsed.data }
}
