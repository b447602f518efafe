/**
 * Serves requests that peers forward to this node: the same inference service as the HTTP routes,
 * forced local (a forwarded request is never forwarded again), its HttpResult streamed back as the
 * forward response. Errors become OpenAI error bodies with their status, exactly as over HTTP.
 */
import type { Logger } from 'pino'
import type { ForwardCaller, ForwardedRequest, ForwardHandler, ForwardResponse } from '../../../mesh/src/index.js'
import type { InferenceApi, InferenceService, Served } from '../inference/inference-service.js'
import type { RequestContext } from '../inference/request-context.js'
import { API_PATHS } from '../inference/inference-service.js'
import { renderError } from '../errors/render.js'
import { RouteNotFoundError, ShuttingDownError } from '../errors/errors.js'
import { parseJsonBytes } from '../http/schemas/parse-body.js'
import { routeHeaders } from '../http/send-result.js'
import { FAILOVER_HEADER, HEAD_MS_HEADER } from '../inference/request-context.js'

const API_BY_PATH = new Map<string, InferenceApi>(Object.entries(API_PATHS).map(([api, path]) => [path, api as InferenceApi]))

async function* bytes(body: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder()
  for await (const c of body) yield typeof c === 'string' ? enc.encode(c) : c
}

function errorResponse(err: unknown, requestId: string): ForwardResponse {
  const r = renderError(err)
  return {
    status: r.status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId, ...r.headers },
    body: bytes([JSON.stringify(r.body)])
  }
}

export interface ForwardHandlerDeps {
  service: InferenceService
  isLeaving: () => boolean
  logger: Logger
  /** Serves non-inference paths (a peer's control-plane API calls), see `peer-api.ts`. */
  peerApi?: (req: ForwardedRequest, from: string) => Promise<ForwardResponse>
  /**
   * Re-checks the caller of a forwarded inference request against this node's replicated auth data
   * (the peer authenticated it, but a revocation anywhere must apply here too); throws 401/403.
   */
  checkCaller?: (caller: ForwardCaller | undefined) => void
  /** Inference routes whose bodies are not JSON (audio uploads), by path: served here from the forwarded bytes. */
  otherApis?: ReadonlyMap<string, (req: ForwardedRequest, ctx: RequestContext) => Promise<Served>>
}

export function createForwardHandler(deps: ForwardHandlerDeps): ForwardHandler {
  return async (req, from, { signal }) => {
    const t0 = performance.now()
    try {
      const path = req.path.split('?')[0] ?? ''
      const api = API_BY_PATH.get(path)
      const other = deps.otherApis?.get(path)
      if (!api && !other && deps.peerApi) return await deps.peerApi(req, from)
      if (deps.isLeaving()) throw new ShuttingDownError()
      if ((!api && !other) || req.method !== 'POST') throw new RouteNotFoundError(req.method, req.path)
      deps.checkCaller?.(req.caller)
      const ctx = { requestId: req.requestId, signal, hops: req.hops, local: true, caller: req.caller, ...(req.headers[FAILOVER_HEADER] === '1' ? { failedOver: true } : {}) }
      const served = other ? await other(req, ctx) : await deps.service.handle(api as InferenceApi, parseJsonBytes(req.body), ctx)
      return {
        status: served.result.status,
        // how long this node took to the head: the ingress subtracts it to measure the hop itself
        headers: { ...served.result.headers, ...routeHeaders(served), 'x-request-id': req.requestId, [HEAD_MS_HEADER]: (performance.now() - t0).toFixed(2) },
        body: bytes(served.result.body)
      }
    } catch (err) {
      deps.logger.debug({ from, requestId: req.requestId, err: (err as Error).message }, 'forwarded request failed')
      const res = errorResponse(err, req.requestId)
      res.headers[HEAD_MS_HEADER] = (performance.now() - t0).toFixed(2)
      return res
    }
  }
}
