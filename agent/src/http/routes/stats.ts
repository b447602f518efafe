/**
 * GET /api/stats/tokens?by=day|month&group=model|key|node|api|none&from&to&scope=local|cluster —
 * token statistics from the durable aggregates (not from history, so retention does not shrink them).
 * Cluster scope sums every reachable node's own aggregates; a request is counted by its ingress node
 * only, so nothing is counted twice.
 */
import type { FastifyInstance } from 'fastify'
import { TokenStatsResultSchema, mergeTokenStats, periodOf, type StatsBy, type TokenStats, type TokenStatsResult } from '../../history/token-stats.js'
import { fanOut, queryString, type ClusterPeers, type FanOut } from '../../history/federation.js'
import { parseBody } from '../schemas/parse-body.js'
import { TimeParam, TokenStatsParams } from '../schemas/observability-params.js'
import { nodesFields, peerContext } from './history.js'

export interface StatsRouteDeps {
  stats: () => TokenStats
  nodeName: string
  peers?: ClusterPeers
}

/** A `from`/`to` parameter as a period of `by`: dates and months are cut to length, times converted. */
export function toPeriod(by: StatsBy, v: string | undefined): string | undefined {
  if (v === undefined) return undefined
  if (/^\d{4}-\d{2}(-\d{2})?$/.test(v)) return by === 'month' ? v.slice(0, 7) : v
  return periodOf(by, TimeParam.parse(v))
}

export async function statsRoutes(app: FastifyInstance, deps: StatsRouteDeps): Promise<void> {
  app.get('/api/stats/tokens', { config: { access: { scope: 'history:read' }, openapi: { summary: 'Token statistics by model, key and node, per day or month', query: TokenStatsParams } } }, async (request) => {
    const p = parseBody(TokenStatsParams, request.query)
    const q = { by: p.by, group: p.group, from: toPeriod(p.by, p.from), to: toPeriod(p.by, p.to) }
    const local = deps.stats().query(q)
    let result: TokenStatsResult = local
    let fan: FanOut<TokenStatsResult> | undefined
    if (p.scope === 'cluster' && deps.peers) {
      const path = `/api/stats/tokens?${queryString({ ...q, scope: 'local' })}`
      fan = await fanOut(deps.peers, path, peerContext(request), (b) => TokenStatsResultSchema.parse(b))
      result = mergeTokenStats([local, ...fan.answers.map((a) => a.value)])
    }
    return { object: 'list', by: p.by, group: p.group, ...result, scope: p.scope, ...nodesFields(deps.nodeName, fan) }
  })
}
