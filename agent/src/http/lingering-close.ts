/**
 * Lingering close for early answers. When the node answers before it has read the whole request body
 * (413 from content-length, 401/403 from auth, 404 for an unknown route), closing the socket at once
 * leaves the client's unsent upload unread: the kernel answers those bytes with a reset, and the client
 * drops the answer it had not read yet (seen with the openai client: 4 of 5 uploads of 9 MiB got a
 * connection error instead of the 413). Like nginx's `lingering_close`, the node keeps reading and
 * discarding the rest of the body for a bounded time and byte count, then closes; the client always
 * reads the answer, and a slow or endless uploader cannot hold a socket.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** Longest the node reads an unread body after answering early (ms). */
export const DEFAULT_LINGER_MS = 5_000

export interface LingerBounds {
  /** Longest time spent discarding after the answer (ms). @default DEFAULT_LINGER_MS */
  maxMs: number
  /** Most bytes discarded after the answer; past it the socket closes. */
  maxBytes: number
}

const kRequest = Symbol('llmlb.currentRequest')
type TrackedSocket = Socket & { [kRequest]?: IncomingMessage }

/**
 * Installs the lingering close on `server`. Node closes a `connection: close` response's socket with
 * `destroySoon()` right after the answer; on a socket whose request body is unread that becomes a
 * half-close (FIN after the answer) while the rest is read and discarded within the bounds. A keep-alive
 * early answer is already drained by Node; it gets the same bounds.
 */
export function installLingeringClose(server: Server, bounds: LingerBounds): void {
  server.on('connection', (socket: TrackedSocket) => {
    const destroySoon = socket.destroySoon.bind(socket)
    socket.destroySoon = () => {
      const req = socket[kRequest]
      if (!req || req.complete || socket.destroyed) return destroySoon()
      socket.end()
      linger(socket, req, bounds)
    }
  })
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket as TrackedSocket
    socket[kRequest] = req
    res.once('finish', () => {
      // keep-alive early answer: Node discards the rest of the body; bound how long it may take
      if (!req.complete && res.getHeader('connection') !== 'close') linger(socket, req, bounds)
    })
  })
}

/** How often a lingering socket's byte count is checked (ms). */
const LINGER_CHECK_MS = 25

/**
 * Lets Node discard what is left of `req`'s body until it ends, or closes `socket` past the bounds.
 * Bytes are counted on the socket: a dumped request no longer emits its body as `data` events.
 */
function linger(socket: Socket, req: IncomingMessage, bounds: LingerBounds): void {
  const startedAt = Date.now()
  const bytesAtAnswer = socket.bytesRead
  const done = (): void => clearInterval(check)
  const check = setInterval(() => {
    if (socket.destroyed || req.complete) return done()
    if (socket.bytesRead - bytesAtAnswer > bounds.maxBytes || Date.now() - startedAt >= bounds.maxMs) {
      done()
      socket.destroy()
    }
  }, LINGER_CHECK_MS)
  check.unref()
  req.resume()
  req.once('end', done)
  socket.once('close', done)
}
