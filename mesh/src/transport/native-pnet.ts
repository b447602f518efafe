/**
 * The cluster key's connection protector: libp2p's private-network protocol (pnet, PSK v1) — each side
 * sends a random 24-byte nonce, then every byte each way is XSalsa20-encrypted with the pre-shared key
 * and the sender's nonce — with libsodium's native cipher (`sodium-native`) instead of the WebAssembly
 * one `@libp2p/pnet` ships. The wire format is pnet's own, so a node using `@libp2p/pnet` joins the
 * same cluster (test/unit/mesh/native-pnet.spec.ts proves it both ways).
 *
 * Why: every mesh byte passes this cipher twice (sender and receiver), and a split model's RPC
 * traffic is ~80 KiB a token through the tunnel. The native cipher runs ~2.2 GB/s here against
 * ~0.3 GB/s, and a native cipher has no shared WebAssembly memory to grow (the crash the previous
 * workaround guarded against cannot happen). Inbound bytes are decrypted in place: each read is a
 * buffer of its own that nothing else holds.
 */
import { createRequire } from 'node:module'
import { randomBytes } from 'node:crypto'
import { InvalidParametersError, type AbortOptions, type ConnectionProtector, type MultiaddrConnection } from '@libp2p/interface'
import { AbstractMultiaddrConnection, byteStream, type AbstractMultiaddrConnectionInit, type SendResult } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { parseClusterKey } from './cluster-key.js'

/** The XSalsa20 streaming calls of sodium-native (crypto_stream is XSalsa20 in libsodium). */
interface SodiumStream {
  crypto_stream_xor_STATEBYTES: number
  crypto_stream_xor_init(state: Buffer, nonce: Uint8Array, key: Uint8Array): void
  crypto_stream_xor_update(state: Buffer, out: Uint8Array, input: Uint8Array): void
}

const sodium = createRequire(import.meta.url)('sodium-native') as SodiumStream

const NONCE_BYTES = 24
/** How long the nonce exchange may take when libp2p gives no signal (as pnet). */
const HANDSHAKE_TIMEOUT_MS = 1000

/** One direction's keystream; keeps its position across calls of any size. */
class XSalsa20Stream {
  private readonly state = Buffer.alloc(sodium.crypto_stream_xor_STATEBYTES)

  constructor(nonce: Uint8Array, key: Uint8Array) {
    sodium.crypto_stream_xor_init(this.state, nonce, key)
  }

  xor(out: Uint8Array, input: Uint8Array): void {
    sodium.crypto_stream_xor_update(this.state, out, input)
  }

  /** Wipes the state (it holds the key). */
  wipe(): void {
    this.state.fill(0)
  }
}

interface BoxInit extends Omit<AbstractMultiaddrConnectionInit, 'remoteAddr' | 'direction'> {
  maConn: MultiaddrConnection
  key: Uint8Array
  localNonce: Uint8Array
  remoteNonce: Uint8Array
}

/** The protected connection: encrypts what libp2p sends, decrypts what arrives. */
class NativeBoxStream extends AbstractMultiaddrConnection {
  private readonly maConn: MultiaddrConnection
  private readonly inbound: XSalsa20Stream
  private readonly outbound: XSalsa20Stream

  constructor(init: BoxInit) {
    super({ ...init, remoteAddr: init.maConn.remoteAddr, direction: init.maConn.direction })
    this.maConn = init.maConn
    this.inbound = new XSalsa20Stream(init.remoteNonce, init.key)
    this.outbound = new XSalsa20Stream(init.localNonce, init.key)
    this.maConn.addEventListener('message', (evt) => {
      const data: Uint8Array | Uint8ArrayList = evt.data
      if (data instanceof Uint8Array) this.receive(data)
      else for (const buf of data) this.receive(buf)
    })
    this.maConn.addEventListener('drain', () => this.onMuxerDrain())
    this.maConn.addEventListener('close', (evt) => {
      this.inbound.wipe()
      this.outbound.wipe()
      if (evt.error != null) {
        if (evt.local === true) this.abort(evt.error)
        else this.onRemoteReset()
      } else this.onTransportClosed()
    })
  }

  private receive(buf: Uint8Array): void {
    this.inbound.xor(buf, buf)
    this.onData(buf)
  }

  async sendClose(options?: AbortOptions): Promise<void> {
    await this.maConn.close(options)
  }

  sendData(data: Uint8ArrayList): SendResult {
    // encrypted chunk by chunk straight into one buffer (no gathering copy first)
    const out = Buffer.allocUnsafe(data.byteLength)
    let at = 0
    for (const buf of data) {
      this.outbound.xor(out.subarray(at, at + buf.byteLength), buf)
      at += buf.byteLength
    }
    return { sentBytes: out.byteLength, canSendMore: this.maConn.send(out) }
  }

  sendReset(err: Error): void {
    this.maConn.abort(err)
  }

  sendPause(): void {
    this.maConn.pause()
  }

  sendResume(): void {
    this.maConn.resume()
  }
}

class NativePnetProtector implements ConnectionProtector {
  private readonly key: Uint8Array

  constructor(psk: Uint8Array) {
    this.key = Buffer.from(parseClusterKey(psk).hex, 'hex')
  }

  readonly [Symbol.toStringTag] = '@libp2p/pnet'

  async protect(connection: MultiaddrConnection, options?: AbortOptions): Promise<MultiaddrConnection> {
    if (connection == null) throw new InvalidParametersError('No connection for the handshake provided')
    const log = connection.log.newScope('pnet')
    const localNonce = randomBytes(NONCE_BYTES)
    const opts = options ?? { signal: AbortSignal.timeout(HANDSHAKE_TIMEOUT_MS) }
    const bytes = byteStream(connection)
    const [remote] = await Promise.all([bytes.read({ bytes: NONCE_BYTES, ...opts }), bytes.write(localNonce, opts)])
    return new NativeBoxStream({ maConn: bytes.unwrap(), key: this.key, localNonce, remoteNonce: remote.subarray(), log })
  }
}

/** libp2p's `connectionProtector` for a cluster key given as pnet key text (as `@libp2p/pnet`'s `preSharedKey`). */
export function nativePreSharedKey(init: { psk: Uint8Array }): () => ConnectionProtector {
  return () => new NativePnetProtector(init.psk)
}
