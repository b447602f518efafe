/**
 * Which engine answers at a URL: every kind's probes run at once (each bounded in bytes and time),
 * and the most specific match wins (order in adapters/index.ts). A URL that matches none is refused
 * with what was tried; one the outbound policy refuses is refused with why.
 */
import { OutboundBlockedError } from '../net/index.js'
import { ADAPTERS, type EngineAdapter } from './adapters/index.js'
import { EngineHttp } from './engine-http.js'
import { EngineNotDetectedError } from './engine-errors.js'

export const PROBED = '/api/version, /api/tags, /api/v0/models, /get_model_info, /props, /version, /sdcpp/v1/capabilities, /v1/models'

export async function detectEngine(http: EngineHttp, signal?: AbortSignal): Promise<EngineAdapter> {
  // a refused address is said once, clearly, not as "no engine answers"
  let blocked: unknown
  const matches = await Promise.all(
    ADAPTERS.map((a) =>
      a.detect(http, signal).catch((err: unknown) => {
        if (err instanceof OutboundBlockedError) blocked = err
        return false
      })
    )
  )
  const found = ADAPTERS.find((_, i) => matches[i])
  if (found) return found
  // the probes swallow their own errors: ask once more to tell a refused address from no engine
  await http.getJson('/v1/models', signal).catch((err: unknown) => {
    if (err instanceof OutboundBlockedError || (err as { cause?: unknown }).cause instanceof OutboundBlockedError) blocked ??= err
  })
  if (blocked) throw blocked
  throw new EngineNotDetectedError(http.baseUrl, PROBED)
}
