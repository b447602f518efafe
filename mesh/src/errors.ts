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

/** A forward failure; `code` says which, `cause` carries the underlying error. */
export class ForwardError extends Error {
  static override name = 'ForwardError'
  override name = 'ForwardError'
  readonly code: ForwardErrorCode
  /** Peer the request was sent to. */
  readonly peerId: string

  constructor(code: ForwardErrorCode, message: string, peerId: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.peerId = peerId
  }
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
