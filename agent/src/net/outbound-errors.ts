/** Errors of outbound requests (codes in the one error table, specs/errors.md). */
import { AgentError } from '../errors/errors.js'

/** The address a request would reach is refused by the outbound policy (SSRF guard). */
export class OutboundBlockedError extends AgentError {
  constructor(readonly url: string, readonly reason: string) {
    super('outbound_blocked', `Refused to call ${url}: ${reason} (see specs/security.md, outbound requests)`, { param: 'url' })
  }
}

/** The remote answered too much, too slowly, with too many redirects or not at all. */
export class OutboundFailedError extends AgentError {
  constructor(readonly url: string, reason: string, cause?: unknown) {
    super('outbound_failed', `The call to ${url} failed: ${reason}`, { cause, param: 'url' })
  }
}
