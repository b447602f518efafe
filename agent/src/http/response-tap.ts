/**
 * The hook `sendServed` offers observers (history, metrics): told when the head of a served response
 * is written, of every body chunk as it is written, and when the body ends. The observer installs it
 * per request as `request.observeServed` (observability/request-observer.ts); without one, nothing
 * is observed.
 */
import type { Served } from '../inference/inference-service.js'
import type { BodyEnd } from '../history/request-capture.js'

export interface ResponseTap {
  /** A body chunk was written to the client (the first one is time-to-first-token). */
  chunk(c: string | Uint8Array): void
  /**
   * The body ended. Resolves when the request is recorded (committed), so `sendServed` ends the
   * response only then: a client that received a complete answer finds it in history. Never rejects.
   */
  end(o: BodyEnd): Promise<void>
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Starts observing a served response (set by the request observer on inference routes). */
    observeServed: ((served: Served) => ResponseTap) | null
  }
}
