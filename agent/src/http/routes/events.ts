/**
 * GET /api/events — live cluster state for the dashboard as server-sent events. Sends a `nodes`
 * snapshot at once, again whenever membership or a peer's state changes (at most every
 * MIN_PUSH_INTERVAL_MS), and at least every HEARTBEAT_PUSH_MS, so one connection per browser replaces
 * polling. With a model manager, `models` events carry this node's stored models and pulls (progress).
 */
import type { FastifyInstance } from 'fastify'
import type { Mesh } from '../../../../mesh/src/index.js'
import { SSE_HEADERS, sseData } from '../../inference/http-result.js'

/** Fastest push rate of snapshots (ms). */
export const MIN_PUSH_INTERVAL_MS = 250
/** Snapshot at least this often even without changes (ms). */
export const HEARTBEAT_PUSH_MS = 2000

/** A second kind of event on the same stream: the node's models and pulls whenever they change. */
export interface ModelEventSource {
  target: EventTarget
  /** The `models` event's data. */
  snapshot: () => unknown
}

/** The `models` events of a model manager: this node's stored models and pulls (with progress). */
export function modelEvents(node: string, models: EventTarget & { list(): unknown[]; pullList(): unknown[] }): ModelEventSource {
  return { target: models, snapshot: () => ({ node, data: models.list(), pulls: models.pullList() }) }
}

export interface EventRouteDeps {
  /** The body of GET /api/nodes. */
  nodes: () => unknown
  mesh?: Mesh
  /** `event: models` pushes (pull progress, load state); the manager throttles its changes. */
  models?: ModelEventSource
}

const MESH_EVENTS = ['peer:join', 'peer:update', 'peer:suspect', 'peer:dead', 'peer:leave'] as const

export async function eventRoutes(app: FastifyInstance, deps: EventRouteDeps): Promise<void> {
  app.get('/api/events', { config: { access: { scope: 'nodes:read' }, openapi: { summary: 'Live cluster state (server-sent events)' } } }, async (request, reply) => {
    // HEAD (auto-exposed for GET): headers only, never a stream that would hang the client
    if (request.method === 'HEAD') return reply.headers(SSE_HEADERS).send()
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': request.id })
    let last = 0
    let pending: NodeJS.Timeout | undefined
    const push = (): void => {
      pending = undefined
      last = Date.now()
      res.write(`event: nodes\n${sseData(deps.nodes())}`)
    }
    const schedule = (): void => {
      if (pending) return
      pending = setTimeout(push, Math.max(0, MIN_PUSH_INTERVAL_MS - (Date.now() - last)))
    }
    const heartbeat = setInterval(schedule, HEARTBEAT_PUSH_MS)
    for (const e of MESH_EVENTS) deps.mesh?.addEventListener(e, schedule)
    const models = deps.models
    const pushModels = (): void => {
      if (models) res.write(`event: models\n${sseData(models.snapshot())}`)
    }
    models?.target.addEventListener('change', pushModels)
    res.once('close', () => {
      models?.target.removeEventListener('change', pushModels)
      clearInterval(heartbeat)
      if (pending) clearTimeout(pending)
      for (const e of MESH_EVENTS) deps.mesh?.removeEventListener(e, schedule)
    })
    push()
    pushModels()
  })
}
