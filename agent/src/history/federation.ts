/**
 * Cluster-scope reads (history, token statistics, logs): ask every reachable peer's own API through
 * the mesh (`askPeer`, with `scope=local` so it does not fan out again) and say who answered. A peer
 * that fails, times out or is known dead is reported in `failed`; the answer is then partial, never
 * an error.
 */
import type { ForwardCaller, Mesh } from '../../../mesh/src/index.js'
import { askPeer } from '../node/peer-api.js'
import { HistoryRecordSchema, type HistoryRecord } from './history-record.js'

/** Longest wait for one peer's answer (ms). */
export const FEDERATION_TIMEOUT_MS = 3000

export interface PeerTarget {
  peerId: string
  name: string
}

export interface PeerCallContext {
  requestId: string
  caller?: ForwardCaller
}

/** The peers of a cluster read. */
export interface ClusterPeers {
  /** Alive and suspect peers: worth asking. */
  reachable(): PeerTarget[]
  /** Dead peers still in the view: failed without asking. */
  down(): PeerTarget[]
  /** GETs `path` (with query) from a peer's API; JSON answer. */
  get(peerId: string, path: string, ctx: PeerCallContext): Promise<{ status: number; body: unknown }>
}

/** ClusterPeers over the mesh. */
export function meshPeers(mesh: Mesh, timeoutMs = FEDERATION_TIMEOUT_MS): ClusterPeers {
  const named = (status: (s: string) => boolean): PeerTarget[] =>
    mesh
      .peers()
      .filter((p) => status(p.status))
      .map((p) => ({ peerId: p.peerId, name: p.state.name }))
  return {
    reachable: () => named((s) => s === 'alive' || s === 'suspect'),
    down: () => named((s) => s === 'dead'),
    get: (peerId, path, ctx) => askPeer(mesh, peerId, { path, requestId: ctx.requestId, caller: ctx.caller }, { timeoutMs })
  }
}

export interface FanOut<T> {
  answers: { node: string; value: T }[]
  failed: { node: string; error: string }[]
}

/** Asks every reachable peer for `path` at once and parses each 200 answer with `parse` (which may throw). */
export async function fanOut<T>(peers: ClusterPeers, path: string, ctx: PeerCallContext, parse: (body: unknown) => T): Promise<FanOut<T>> {
  const out: FanOut<T> = { answers: [], failed: peers.down().map((p) => ({ node: p.name, error: 'peer is down' })) }
  await Promise.all(
    peers.reachable().map(async (p) => {
      try {
        const res = await peers.get(p.peerId, path, ctx)
        if (res.status !== 200) {
          const code = (res.body as { error?: { code?: string } } | null)?.error?.code
          throw new Error(`answered ${res.status}${code ? ` ${code}` : ''}`)
        }
        out.answers.push({ node: p.name, value: parse(res.body) })
      } catch (err) {
        out.failed.push({ node: p.name, error: (err as Error).message })
      }
    })
  )
  return out
}

/** A query string of `params` (undefined values left out). */
export function queryString(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v))
  return q.toString()
}

/** A peer's history page, validated. */
export function parseHistoryPage(body: unknown): { records: HistoryRecord[]; total: number; totalExact: boolean } {
  const b = body as { data?: unknown; total?: unknown; total_exact?: unknown }
  return {
    records: HistoryRecordSchema.array().parse(b?.data),
    total: typeof b?.total === 'number' ? b.total : 0,
    totalExact: b?.total_exact !== false
  }
}

/** Newest first; ties in time broken by node then id so every node merges the same way. */
export const byTimeDesc = (a: HistoryRecord, b: HistoryRecord): number => b.ts - a.ts || a.ingressNode.localeCompare(b.ingressNode) || b.id.localeCompare(a.id)

/**
 * One cluster page out of each node's first `offset + limit` records: merged by time, then sliced.
 * Totals add up (each record lives on exactly one node, its ingress node).
 */
export function mergeHistoryPages(pages: readonly { records: HistoryRecord[]; total: number; totalExact: boolean }[], offset: number, limit: number): { records: HistoryRecord[]; total: number; totalExact: boolean } {
  const all = pages.flatMap((p) => p.records).sort(byTimeDesc)
  return {
    records: all.slice(offset, offset + limit),
    total: pages.reduce((n, p) => n + p.total, 0),
    totalExact: pages.every((p) => p.totalExact)
  }
}
