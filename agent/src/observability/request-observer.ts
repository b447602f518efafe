/**
 * Watches every inference request at the ingress node and records it exactly once — in history and
 * in metrics — however it ends:
 *
 * - served (local or forwarded, JSON or SSE): `sendServed` calls the tap installed here for the head,
 *   each written chunk and the end; the record is committed before the response's last byte is sent.
 * - failed before any served response (invalid body, unknown model, queue full, auth, a peer's 4xx
 *   raised before the head…): the app's error handler sends it, and `onSend` records it.
 *
 * Install on the root instance before the auth hooks, so requests refused by auth are recorded too.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { API_PATHS } from '../inference/inference-service.js'
import { callerOf } from '../auth/identity.js'
import { RequestCapture } from '../history/request-capture.js'
import type { HistoryStore } from '../history/history-store.js'
import type { ResponseTap } from '../http/response-tap.js'
import { ERROR_CODE_HEADER } from '../http/error-shape.js'
import type { AgentMetrics } from './metrics.js'

/** Longest a response waits for its history record to commit before completing anyway (ms). */
export const COMMIT_WAIT_MS = 1000

/** The `api` of each recorded POST route: the chat path's APIs and the protocols translated onto it. */
const API_BY_PATH = new Map<string, string>([...Object.entries(API_PATHS).map(([api, path]): [string, string] => [path, api]), ['/v1/responses', 'responses']])

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API a route's requests are recorded under in history (routes of other protocols: `anthropic`, `ollama`). */
    historyApi?: string
  }
}

export interface RequestObserverDeps {
  /** This node's name (the ingress node of every record). */
  nodeName: string
  history?: Pick<HistoryStore, 'append'>
  metrics?: AgentMetrics
  /** Store request and response bodies (redacted, capped). */
  storeBodies: boolean
  /** Cap of each stored body (bytes). */
  maxBodyBytes: number
  /** @default COMMIT_WAIT_MS */
  commitWaitMs?: number
  /** Wall clock (ms since the epoch). @default Date.now */
  now?: () => number
}

/** The API key id of the caller, when the caller is an API key. */
function apiKeyIdOf(request: FastifyRequest): string | null {
  const caller = callerOf(request.identity)
  return caller.kind === 'api-key' ? (caller.id ?? null) : null
}

export function installRequestObserver(app: FastifyInstance, deps: RequestObserverDeps): void {
  const captures = new WeakMap<FastifyRequest, RequestCapture>()
  const now = deps.now ?? Date.now
  const commitWaitMs = deps.commitWaitMs ?? COMMIT_WAIT_MS
  if (!app.hasRequestDecorator('observeServed')) app.decorateRequest('observeServed', null)

  /** Finishes the capture, observes metrics, queues the record; resolves at its commit (bounded). */
  const record = async (request: FastifyRequest, cap: RequestCapture): Promise<void> => {
    if (cap.finished) return
    try {
      const t0 = performance.now()
      const { record, bodies, timings } = cap.finish({ body: request.body, apiKeyId: apiKeyIdOf(request) })
      deps.metrics?.finished(record, timings)
      if (!deps.history) return
      const committed = deps.history.append(record, bodies).catch((err: unknown) => {
        deps.metrics?.historyFailed()
        request.log.warn({ err: (err as Error).message }, 'history record not written')
      })
      let timer: NodeJS.Timeout | undefined
      await Promise.race([committed, new Promise<void>((r) => (timer = setTimeout(r, commitWaitMs)))])
      clearTimeout(timer)
      deps.metrics?.historyWaited((performance.now() - t0) / 1000)
    } catch (err) {
      request.log.warn({ err: (err as Error).message }, 'request not recorded')
    }
  }

  app.addHook('onRequest', async (request) => {
    const api = request.method === 'POST' ? (API_BY_PATH.get(request.routeOptions.url ?? '') ?? request.routeOptions.config?.historyApi) : undefined
    if (!api) return
    const cap = new RequestCapture({
      id: request.id,
      api,
      ingressNode: deps.nodeName,
      clientAddress: request.ip,
      startedAt: now(),
      storeBodies: deps.storeBodies,
      maxBodyBytes: deps.maxBodyBytes
    })
    captures.set(request, cap)
    deps.metrics?.started()
    request.observeServed = (served): ResponseTap => {
      cap.head({ status: served.result.status, contentType: served.result.headers['content-type'] ?? '', model: served.model, stream: served.stream, route: served.route, usage: served.usage })
      return {
        chunk: (c) => cap.chunk(c),
        end: async (o) => {
          cap.end(o)
          await record(request, cap)
        }
      }
    }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const cap = captures.get(request)
    if (cap && !cap.finished) {
      const code = reply.getHeader(ERROR_CODE_HEADER)
      cap.reject(reply.statusCode, payload, typeof code === 'string' ? code : undefined)
      await record(request, cap)
    }
    return payload
  })

  // a safety net: a path that neither served nor sent an error still leaves one record
  app.addHook('onResponse', async (request) => {
    const cap = captures.get(request)
    if (cap && !cap.finished) await record(request, cap)
  })
}
