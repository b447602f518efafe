/**
 * Observes failed connection handshakes (wrong or missing cluster key, failed Noise) so the mesh can
 * count them and emit `peer:rejected` with the remote address.
 *
 * libp2p reports no event for a connection that fails its upgrade, so this wraps the two upgrade steps
 * that see the raw connection: the connection protector (always installed; it delegates to pnet when a
 * cluster key is set, else passes the connection through) and the Noise encrypter. A connection that
 * the protector let through is "pending" until Noise secures it; if it closes first, or Noise throws,
 * the handshake failed. With mismatched keys the failure happens in between, in multistream-select over
 * garbled bytes, which is why the close of a pending connection counts.
 */
import type { ConnectionEncrypter, ConnectionProtector, MessageStream, SecureConnectionOptions, AbortOptions } from '@libp2p/interface'

/** A failed inbound or outbound handshake. */
export interface HandshakeRejection {
  /** Remote multiaddr of the raw connection, or 'unknown'. */
  address: string
  reason: string
  /** Who dialled: 'inbound' (the remote did; its source port is ephemeral) or 'outbound' (we did). */
  direction: 'inbound' | 'outbound'
}

interface Pending {
  address: string
  direction: 'inbound' | 'outbound'
  done: boolean
}

// libp2p does not export its `Components` type (a Record<string, any> underneath), hence `any`.
type Factory<T> = (components: any) => T

export class HandshakeWatch {
  private readonly pending = new WeakMap<MessageStream, Pending>()
  private readonly onReject: (rejection: HandshakeRejection) => void

  constructor(onReject: (rejection: HandshakeRejection) => void) {
    this.onReject = onReject
  }

  /** Wraps an optional protector factory (pnet); without one, connections pass through unchanged. */
  protector(inner?: Factory<ConnectionProtector>): Factory<ConnectionProtector> {
    return (components) => {
      const protector = inner?.(components)
      return {
        protect: async (connection: MessageStream, options?: AbortOptions): Promise<MessageStream> => {
          const address = remoteAddressOf(connection)
          const direction = connection.direction
          let protectedConn: MessageStream
          try {
            protectedConn = protector === undefined ? connection : await protector.protect(connection, options)
          } catch (err) {
            this.onReject({ address, direction, reason: `private network handshake failed: ${messageOf(err)}` })
            throw err
          }
          const entry: Pending = { address, direction, done: false }
          this.pending.set(protectedConn, entry)
          connection.addEventListener('close', (evt) => {
            // Our own dial cancelled or timed out mid-handshake: not the remote's fault.
            if (connection.direction === 'outbound' && isCancellation(evt.error)) entry.done = true
            this.fail(entry, `connection closed during handshake (cluster key mismatch?)${evt.error == null ? '' : `: ${messageOf(evt.error)}`}`)
          }, { once: true })
          return protectedConn
        }
      }
    }
  }

  /** Wraps the encrypter factory (Noise) to learn when a pending connection is secured or fails. */
  encrypter(inner: Factory<ConnectionEncrypter>): Factory<ConnectionEncrypter> {
    return (components) => {
      const encrypter = inner(components)
      const wrap = (direction: 'secureInbound' | 'secureOutbound') =>
        async (connection: MessageStream, options?: SecureConnectionOptions) => {
          const entry = this.pending.get(connection)
          try {
            const secured = await encrypter[direction](connection, options)
            if (entry !== undefined) entry.done = true
            return secured
          } catch (err) {
            if (entry !== undefined) this.fail(entry, `noise handshake failed: ${messageOf(err)}`)
            throw err
          }
        }
      return {
        protocol: encrypter.protocol,
        secureInbound: wrap('secureInbound'),
        secureOutbound: wrap('secureOutbound')
      }
    }
  }

  private fail(entry: Pending, reason: string): void {
    if (entry.done) return
    entry.done = true
    this.onReject({ address: entry.address, direction: entry.direction, reason })
  }
}

function remoteAddressOf(connection: MessageStream): string {
  const addr = (connection as { remoteAddr?: { toString(): string } }).remoteAddr
  return addr === undefined ? 'unknown' : addr.toString()
}

function isCancellation(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
