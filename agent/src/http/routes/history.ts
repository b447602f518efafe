/**
 * GET /api/history (pages with filters and a total), /api/history/:id (one record with its bodies),
 * /api/history/export (CSV or JSON, streamed). `scope=cluster` asks every reachable peer with
 * `scope=local` and merges by time, saying which nodes answered (`nodes_answered`, `nodes_failed`,
 * `partial`).
 */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { HistoryStore, HistoryFilter, HistoryPage } from '../../history/history-store.js'
import type { HistoryDetail, HistoryRecord } from '../../history/history-record.js'
import { fanOut, mergeHistoryPages, parseHistoryPage, queryString, type ClusterPeers, type FanOut, type PeerCallContext } from '../../history/federation.js'
import { exportChunks } from '../../history/export-format.js'
import { openClusterExport, type RecordSource } from '../../history/cluster-export.js'
import { callerOf } from '../../auth/identity.js'
import { InvalidRequestError } from '../../errors/errors.js'
import { HistoryNotFoundError } from '../../history/history-errors.js'
import { parseBody } from '../schemas/parse-body.js'
import { HistoryExportParams, HistoryListParams, MAX_CLUSTER_WINDOW, ScopeParams, type HistoryFilterParams } from '../schemas/observability-params.js'

export interface HistoryRouteDeps {
  store: HistoryStore
  /** This node's name (`nodes_answered` of a local answer). */
  nodeName: string
  /** Peers for `scope=cluster`; without them a cluster read is this node alone. */
  peers?: ClusterPeers
}

const access = { scope: 'history:read' } as const

const FILTER_KEYS = ['model', 'node', 'key', 'status', 'from', 'to', 'q'] as const

function filterOf(p: HistoryFilterParams): HistoryFilter {
  return { model: p.model, node: p.node, key: p.key, status: p.status, from: p.from, to: p.to, q: p.q }
}

/** The raw filter parameters of a request, passed on unchanged to peers. */
function rawFilters(request: FastifyRequest): Record<string, string | undefined> {
  const q = request.query as Record<string, string | undefined>
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, q[k]]))
}

export const peerContext = (request: FastifyRequest): PeerCallContext => ({ requestId: request.id, caller: callerOf(request.identity) })

/** A record as the API shows it: the stored fields plus a readable `time`. */
const present = <T extends HistoryRecord>(r: T): T & { time: string } => ({ ...r, time: new Date(r.ts).toISOString() })

/** Who answered a read: this node first, then each peer that did; `partial` when any failed. */
export function nodesFields(self: string, fan: FanOut<unknown> | undefined): Record<string, unknown> {
  const failed = fan?.failed ?? []
  return { nodes_answered: [self, ...(fan?.answers.map((a) => a.node) ?? [])], nodes_failed: failed, partial: failed.length > 0 }
}

export async function historyRoutes(app: FastifyInstance, deps: HistoryRouteDeps): Promise<void> {
  app.get('/api/history', { config: { access, openapi: { summary: 'Request history, paginated and filtered (this node or the cluster)', query: HistoryListParams } } }, async (request) => {
    const p = parseBody(HistoryListParams, request.query)
    const limit = p.limit ?? p.per_page
    const offset = p.offset ?? (p.page - 1) * limit
    const filter = filterOf(p)
    let page: HistoryPage
    let fan: FanOut<HistoryPage> | undefined
    if (p.scope === 'local') page = deps.store.query({ filter, offset, limit })
    else {
      if (offset + limit > MAX_CLUSTER_WINDOW) throw new InvalidRequestError(`A cluster-wide page can reach record ${MAX_CLUSTER_WINDOW} at most; narrow the filters or page one node`, 'page')
      // each record lives on one node: the cluster page is within every node's first offset+limit
      const window = offset + limit
      const local = deps.store.query({ filter, offset: 0, limit: window })
      const path = `/api/history?${queryString({ ...rawFilters(request), scope: 'local', offset: 0, limit: window })}`
      fan = deps.peers ? await fanOut(deps.peers, path, peerContext(request), parseHistoryPage) : undefined
      page = mergeHistoryPages([local, ...(fan?.answers.map((a) => a.value) ?? [])], offset, limit)
    }
    return {
      object: 'list',
      data: page.records.map(present),
      total: page.total,
      total_exact: page.totalExact,
      page: Math.floor(offset / limit) + 1,
      per_page: limit,
      scope: p.scope,
      ...nodesFields(deps.nodeName, fan)
    }
  })

  app.get('/api/history/export', { config: { access, openapi: { summary: 'Export history as JSON lines or CSV', query: HistoryExportParams } } }, async (request, reply) => {
    const p = parseBody(HistoryExportParams, request.query)
    const now = Date.now()
    const stamp = new Date(now).toISOString().replace(/[:.]/g, '-')
    reply
      .type(p.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="llmlb-history-${p.scope === 'cluster' ? 'cluster' : deps.nodeName.replace(/[^\w.-]/g, '_')}-${stamp}.${p.format}"`)
    if (p.scope === 'local' || !deps.peers) {
      // pulled as the client reads: one record at a time from LMDB, 64 KiB per write
      return reply.send(Readable.from(exportChunks(deps.store.scan(filterOf(p)), p.format)))
    }
    // the window closes now: records arriving during the export do not shift the nodes' pages
    const filter = { ...filterOf(p), to: Math.min(p.to ?? now, now) }
    const raw = { ...rawFilters(request), to: String(filter.to) }
    const ctx = peerContext(request)
    const peers = deps.peers
    const sources: RecordSource[] = [
      { name: deps.nodeName, page: async (offset, limit) => deps.store.query({ filter, offset, limit }).records },
      ...peers.reachable().map((peer) => ({
        name: peer.name,
        page: async (offset: number, limit: number) => {
          const res = await peers.get(peer.peerId, `/api/history?${queryString({ ...raw, scope: 'local', offset, limit })}`, ctx)
          if (res.status !== 200) throw new Error(`answered ${res.status}`)
          return parseHistoryPage(res.body).records
        }
      }))
    ]
    const opened = await openClusterExport(sources, { onError: (node, err) => request.log.warn({ node, err: (err as Error).message }, 'cluster export: a node stopped answering') })
    const failed = [...peers.down().map((d) => ({ node: d.name, error: 'peer is down' })), ...opened.failed]
    reply.header('x-llmlb-nodes-answered', opened.answered.join(',')).header('x-llmlb-nodes-failed', failed.map((f) => f.node).join(','))
    return reply.send(Readable.from(exportChunks(opened.records, p.format)))
  })

  app.get('/api/history/:id', { config: { access, openapi: { summary: 'One request of history, with its bodies', query: ScopeParams } } }, async (request) => {
    const { id } = request.params as { id: string }
    const { scope } = parseBody(ScopeParams, request.query)
    const local: HistoryDetail | undefined = deps.store.get(id)
    if (local) return present(local)
    if (scope === 'cluster' && deps.peers) {
      const fan = await fanOut(deps.peers, `/api/history/${encodeURIComponent(id)}?scope=local`, peerContext(request), (b) => b as HistoryDetail)
      const found = fan.answers[0]?.value
      if (found) return found
    }
    throw new HistoryNotFoundError(id)
  })
}
