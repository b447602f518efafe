/**
 * Typed errors of the mesh. Callers match on `code` (stable, snake_case), never on messages.
 */

/**
 * Why a forward failed.
 * - `peer_unreachable`: no response head arrived: dial failed, stream refused, peer stopped or unknown.
 *   Safe to retry on another peer: the request was not (fully) served.
 * - `aborted`: the caller's signal aborted the forward.
 * - `request_too_large`: the request exceeds the forward size limits; not sent.
 * - `protocol_error`: the peer sent something that is not a valid forward frame.
 * - `stream_failed`: the response broke after its head (peer died, stream reset, handler failed
 *   mid-body). Raised by the body iterator; the response is truncated.
 */
export type ForwardErrorCode = 'peer_unreachable' | 'aborted' | 'request_too_large' | 'protocol_error' | 'stream_failed'

/** A failure talking to one peer: `code` says which, `cause` carries the underlying error. */
abstract class PeerError<Code extends string> extends Error {
  readonly code: Code
  /** Peer the request or tunnel was for. */
  readonly peerId: string

  constructor(code: Code, message: string, peerId: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.peerId = peerId
  }
}

/** A forward failure; `code` says which, `cause` carries the underlying error. */
export class ForwardError extends PeerError<ForwardErrorCode> {
  static override name = 'ForwardError'
  override name = 'ForwardError'
}

/** The cluster key text is neither a pnet key file nor 64 hex characters. */
export class InvalidClusterKeyError extends Error {
  static override name = 'InvalidClusterKeyError'
  override name = 'InvalidClusterKeyError'
}

/** A bootstrap peer entry is neither `host[:port]` nor a multiaddr. */
export class InvalidPeerAddressError extends Error {
  static override name = 'InvalidPeerAddressError'
  override name = 'InvalidPeerAddressError'
}

/** The identity file exists but does not hold a private key; never overwritten silently. */
export class InvalidIdentityError extends Error {
  static override name = 'InvalidIdentityError'
  override name = 'InvalidIdentityError'
}

/**
 * Why a tunnel could not be opened (`Mesh.openTunnel`).
 * - `refused`: the peer's service handler said no; `message` is its reason.
 * - `peer_unreachable`: no connection or stream (dial failed, wrong cluster key, peer gone).
 * - `aborted`: the caller's signal aborted the open.
 * - `protocol_error`: the peer answered something that is not a tunnel reply.
 */
export type TunnelErrorCode = 'refused' | 'peer_unreachable' | 'aborted' | 'protocol_error'

export class TunnelError extends PeerError<TunnelErrorCode> {
  static override name = 'TunnelError'
  override name = 'TunnelError'
}
