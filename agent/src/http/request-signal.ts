/**
 * An AbortSignal that fires when the client disconnects before the response is complete.
 * It is the root of the cancellation chain: admission wait → runtime generation → forward stream.
 */
import type { FastifyReply } from 'fastify'

export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const ac = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ac.abort(new Error('client disconnected'))
  })
  return ac.signal
}
