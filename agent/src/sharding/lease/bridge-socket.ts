/**
 * Joins a TCP socket and a mesh tunnel both ways. `pipe` gives back-pressure (a slow reader pauses the
 * writer, so neither side buffers a whole tensor) and half-close (one side's end of data ends the
 * other's writable side). A failure or reset on either side destroys the other: llama-server sees its
 * worker connection drop instead of hanging on a half-dead one.
 */
import type { Socket } from 'node:net'
import type { MeshTunnel } from '../../../../mesh/src/index.js'

/** Bridges until both directions ended or either side failed. The socket should allow half-open. */
export function bridgeSocket(socket: Socket, tunnel: MeshTunnel): void {
  socket.setNoDelay(true)
  socket.pipe(tunnel)
  tunnel.pipe(socket)
  socket.on('error', err => tunnel.destroy(err))
  tunnel.on('error', () => socket.destroy())
  // A clean close of one side has already ended the other through pipe; a reset has not.
  socket.on('close', hadError => { if (hadError || !socket.readableEnded) tunnel.destroy() })
  // the tunnel gone while the socket could still send (its far end never ended): nothing would reach
  // the other side any more, so the socket goes too rather than stay half-open
  tunnel.on('close', () => { if (tunnel.errored !== null || !tunnel.readableEnded || !socket.readableEnded) socket.destroy() })
}
