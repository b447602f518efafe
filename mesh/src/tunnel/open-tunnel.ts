/**
 * Both ends of the tunnel handshake. The opener sends the head and waits for the reply; the serving
 * node reads the head, asks the service's handler, and answers. Only then do raw bytes flow.
 */
import { lpStream } from '@libp2p/utils'
import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { TunnelError } from '../errors.js'
import { decodeJson, encodeJson, MAX_TUNNEL_HEAD_BYTES, TUNNEL_WIRE_VERSION, TunnelHeadSchema, TunnelReplySchema } from './tunnel-head.js'
import { StreamTunnel } from './stream-tunnel.js'
import type { TunnelHandler } from '../interfaces.js'
import type { Stream } from '@libp2p/interface'
import type { Logger } from 'pino'

/** Sends the head on a freshly opened stream; resolves with the tunnel once the peer accepted. */
export async function handshakeOpener(stream: Stream, peerId: string, service: string, signal: AbortSignal): Promise<StreamTunnel> {
  const lp = lpStream(stream, { maxDataLength: MAX_TUNNEL_HEAD_BYTES })
  let reply
  try {
    await lp.write(encodeJson({ v: TUNNEL_WIRE_VERSION, service }), { signal })
    reply = decodeJson((await lp.read({ signal })).subarray(), TunnelReplySchema)
  } catch (err) {
    stream.abort(err as Error)
    if (signal.aborted) throw new TunnelError('aborted', 'tunnel open aborted', peerId, { cause: err })
    throw new TunnelError('peer_unreachable', `tunnel to ${peerId} failed: ${(err as Error).message}`, peerId, { cause: err })
  }
  if (reply === undefined) {
    stream.abort(new Error('invalid tunnel reply'))
    throw new TunnelError('protocol_error', 'peer sent an invalid tunnel reply', peerId)
  }
  if (!reply.ok) {
    await stream.close({ signal }).catch(() => stream.abort(new Error('tunnel refused')))
    throw new TunnelError('refused', reply.reason, peerId)
  }
  return new StreamTunnel(lp.unwrap(), peerId, service)
}

/**
 * Serves one inbound tunnel stream: reads the head, hands a gated tunnel to the service's handler, and
 * replies. A handler that throws refuses the tunnel; its message is the reason the opener sees.
 * Returns the accepted tunnel, or undefined. Never throws.
 */
export async function handshakeServer(stream: Stream, from: string, handlerOf: (service: string) => TunnelHandler | undefined, opts: { timeoutMs: number; log: Logger }): Promise<StreamTunnel | undefined> {
  const lp = lpStream(stream, { maxDataLength: MAX_TUNNEL_HEAD_BYTES })
  const signal = AbortSignal.timeout(opts.timeoutMs)
  let head
  try {
    head = decodeJson((await lp.read({ signal })).subarray(), TunnelHeadSchema)
  } catch (err) {
    opts.log.debug({ err, from }, 'tunnel head not received')
    stream.abort(err as Error)
    return undefined
  }
  const refuse = async (reason: string): Promise<undefined> => {
    opts.log.debug({ from, service: head?.service, reason }, 'tunnel refused')
    try {
      // on the stream itself: the length-prefixed reader may already be unwrapped
      stream.send(lengthPrefixed(encodeJson({ v: TUNNEL_WIRE_VERSION, ok: false, reason: reason.slice(0, 1024) })))
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
    }
    return undefined
  }
  if (head === undefined) return refuse('invalid tunnel head')
  const handler = handlerOf(head.service)
  if (handler === undefined) return refuse(`no tunnel service "${head.service}" on this node`)
  const raw = lp.unwrap()
  const { promise: gate, resolve: open, reject: close } = Promise.withResolvers<void>()
  gate.catch(() => {})
  const tunnel = new StreamTunnel(raw, from, head.service, gate)
  try {
    await handler(tunnel, from)
  } catch (err) {
    tunnel.detach()
    close(err)
    tunnel.destroy()
    return refuse(err instanceof Error ? err.message : String(err))
  }
  try {
    raw.send(lengthPrefixed(encodeJson({ v: TUNNEL_WIRE_VERSION, ok: true })))
  } catch (err) {
    close(err)
    tunnel.destroy(err as Error)
    return undefined
  }
  open()
  return tunnel
}

function lengthPrefixed(bytes: Uint8Array): Uint8ArrayList {
  return new Uint8ArrayList(varint.encode(bytes.byteLength), bytes)
}
