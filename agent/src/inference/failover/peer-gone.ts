/**
 * Why an attempt on a peer was given up before its response head: membership declared the peer dead,
 * or it stayed silent past the head bound. Internal to failover: the request moves to the next
 * candidate, and only when none is left does the client see `upstream_failed` (this as its cause).
 */
export class PeerGoneError extends Error {
  static override name = 'PeerGoneError'
  override name = 'PeerGoneError'

  constructor(
    readonly peerId: string,
    readonly why: 'dead' | 'silent',
    boundMs?: number
  ) {
    super(why === 'dead' ? `peer ${peerId} was declared dead before it answered` : `peer ${peerId} sent nothing within ${boundMs} ms`)
  }
}
