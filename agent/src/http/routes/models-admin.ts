/**
 * The model store's admin API: GET /api/models (this node's stored models and pulls; `?scope=cluster`
 * asks every peer too), GET /api/models/:id (with the chat template), POST /api/models/pull,
 * DELETE /api/models/:id, POST /api/models/:id/load|unload. `nodes`/`all` (pull) and `?node=NAME|all`
 * (the others) act on peers through the mesh: each peer runs the same route on itself.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Mesh } from '../../../../mesh/src/index.js'
import { PullBodySchema, type ModelManager } from '../../models/index.js'
import { StoredModelNotFoundError } from '../../models/model-errors.js'
import { askPeer } from '../../node/peer-api.js'
import { NodeNotFoundError } from '../../history/history-errors.js'
import { parseBody } from '../schemas/parse-body.js'
import { renderError } from '../../errors/render.js'
import { peerContext } from './history.js'

export interface ModelAdminDeps {
  name: string
  models: ModelManager
  mesh?: Mesh
  /** Models split over RPC workers, cluster-wide (specs/sharding.md); listed as `shards`. */
  shards?: () => unknown[]
}

const read = { access: { scope: 'models:read' } } as const
const manage = { access: { scope: 'models:manage' } } as const

/** One node's answer in a multi-node operation. */
interface NodeResult {
  node: string
  status: number
  body: unknown
}

/** Longest wait for a peer's answer to a pull (ms): it resolves the repo before answering. */
const PEER_PULL_TIMEOUT_MS = 60_000

/** The alive peers named (or all of them); an unknown name is a 404 before anything starts. */
function targets(deps: ModelAdminDeps, names: string[] | 'all'): { self: boolean; peers: { name: string; peerId: string }[] } {
  const alive = (deps.mesh?.peers() ?? []).filter((p) => p.status === 'alive').map((p) => ({ name: p.state.name, peerId: p.peerId }))
  if (names === 'all') return { self: true, peers: alive }
  const peers: { name: string; peerId: string }[] = []
  let self = false
  for (const n of new Set(names)) {
    if (n === deps.name || n === 'self') self = true
    else {
      const p = alive.find((x) => x.name === n || x.peerId === n)
      if (!p) throw new NodeNotFoundError(n)
      peers.push(p)
    }
  }
  return { self, peers }
}

/** Runs `local` here and the same request on each peer; every node's status and body. */
async function fanOut(
  deps: ModelAdminDeps,
  request: FastifyRequest,
  names: string[] | 'all',
  local: () => Promise<{ status: number; body: unknown }>,
  peerReq: { method: string; path: string; body?: unknown },
  timeoutMs?: number
): Promise<NodeResult[]> {
  const t = targets(deps, names)
  const runLocal = async (): Promise<NodeResult> => {
    try {
      return { node: deps.name, ...(await local()) }
    } catch (err) {
      const r = renderError(err)
      return { node: deps.name, status: r.status, body: r.body }
    }
  }
  const runPeer = async (p: { name: string; peerId: string }): Promise<NodeResult> => {
    try {
      const mesh = deps.mesh as Mesh
      return { node: p.name, ...(await askPeer(mesh, p.peerId, { ...peerReq, ...peerContext(request) }, { timeoutMs })) }
    } catch (err) {
      return { node: p.name, status: 502, body: { error: { message: `node '${p.name}' did not answer: ${(err as Error).message}`, type: 'server_error', param: null, code: 'peer_unreachable' } } }
    }
  }
  return Promise.all([...(t.self ? [runLocal()] : []), ...t.peers.map(runPeer)])
}

/** `?node=a,b` or `?node=all`: the nodes a request acts on (undefined: this node only). */
function nodesQuery(request: FastifyRequest): string[] | 'all' | undefined {
  const q = (request.query as { node?: string }).node
  if (!q) return undefined
  return q === 'all' ? 'all' : q.split(',').map((s) => s.trim()).filter(Boolean)
}

/** A stored-model view plus the runtime it is on: what GET /api/models lists for this node. */
function nodeBody(deps: ModelAdminDeps): { node: string; memoryBudgetBytes: number; data: unknown[]; pulls: unknown[]; shards?: unknown[] } {
  return { node: deps.name, memoryBudgetBytes: deps.models.loads.budgetBytes, data: deps.models.list(), pulls: deps.models.pullList(), ...(deps.shards ? { shards: deps.shards() } : {}) }
}

export async function modelAdminRoutes(app: FastifyInstance, deps: ModelAdminDeps): Promise<void> {
  app.get('/api/models', { config: read }, async (request) => {
    if ((request.query as { scope?: string }).scope !== 'cluster') return { object: 'list', ...nodeBody(deps) }
    const results = await fanOut(deps, request, 'all', async () => ({ status: 200, body: nodeBody(deps) }), { method: 'GET', path: '/api/models' })
    return { object: 'list', scope: 'cluster', ...(deps.shards ? { shards: deps.shards() } : {}), nodes: results.map((r) => (r.status === 200 ? { ...(r.body as object), node: r.node } : { node: r.node, error: r.body })) }
  })

  app.get<{ Params: { id: string } }>('/api/models/:id', { config: read }, async (request) => {
    const view = deps.models.list().find((m) => m.id === request.params.id)
    const rec = deps.models.record(request.params.id)
    if (!view || !rec) throw new StoredModelNotFoundError(request.params.id)
    return { ...view, chatTemplate: rec.chatTemplate, node: deps.name }
  })

  app.post('/api/models/pull', { config: manage }, async (request, reply) => {
    const body = parseBody(PullBodySchema, request.body)
    const names = body.all ? 'all' : body.nodes
    if (!names) {
      const pull = await deps.models.pull(body.source, body.quant)
      request.log.info({ pull: pull.id, by: request.identity?.name }, 'model pull requested')
      return reply.status(202).send({ node: deps.name, pull })
    }
    const one = { source: body.source, ...(body.quant ? { quant: body.quant } : {}) }
    const results = await fanOut(
      deps,
      request,
      names,
      async () => ({ status: 202, body: { node: deps.name, pull: await deps.models.pull(body.source, body.quant) } }),
      { method: 'POST', path: '/api/models/pull', body: one },
      PEER_PULL_TIMEOUT_MS
    )
    return reply.status(results.some((r) => r.status === 202) ? 202 : (results[0]?.status ?? 400)).send({ object: 'list', data: results })
  })

  const perNode = (method: 'DELETE' | 'POST', suffix: string, act: (id: string) => Promise<unknown>) =>
    async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const id = request.params.id
      const names = nodesQuery(request)
      if (!names) {
        await act(id)
        return reply.status(200).send({ node: deps.name, id, ok: true })
      }
      const path = `/api/models/${encodeURIComponent(id)}${suffix}`
      const results = await fanOut(deps, request, names, async () => ({ status: 200, body: (await act(id), { node: deps.name, id, ok: true }) }), { method, path })
      // everywhere: a node that never had the model is no failure
      const failed = results.find((r) => r.status !== 200 && !(names === 'all' && r.status === 404))
      const status = failed ? failed.status : results.some((r) => r.status === 200) ? 200 : 404
      return reply.status(status).send({ object: 'list', data: results })
    }
  app.delete('/api/models/:id', { config: manage }, perNode('DELETE', '', (id) => deps.models.remove(id)))
  app.post('/api/models/:id/load', { config: manage }, perNode('POST', '/load', (id) => deps.models.load(id)))
  app.post('/api/models/:id/unload', { config: manage }, perNode('POST', '/unload', (id) => deps.models.unload(id)))
}
