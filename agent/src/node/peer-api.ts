/**
 * The control-plane HTTP API of a peer, through the mesh. Non-inference requests that arrive over the
 * forward protocol (federated history, a peer's logs, …) are replayed into this node's own fastify app
 * with `inject`, marked with a per-process secret so the auth layer can trust the caller identity the
 * ingress node vouched for (and nothing else can claim it). `askPeer` is the ingress side.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { ForwardCaller, ForwardedRequest, ForwardResponse, Mesh } from '../../../mesh/src/index.js'

/** Header carrying this process's secret on injected peer requests. */
export const INTERNAL_HEADER = 'x-llmlb-internal'
/** Header carrying the JSON `ForwardCaller` of an injected peer request. */
export const CALLER_HEADER = 'x-llmlb-caller'
/** Header naming the peer that forwarded an injected request (trusted only with INTERNAL_HEADER). */
export const PEER_HEADER = 'x-llmlb-peer'
/** Longest wait for a peer's API answer (ms). */
export const PEER_API_TIMEOUT_MS = 5000

/** A secret that exists only in this process; injected requests carry it. */
export function newInternalSecret(): string {
  return randomBytes(24).toString('base64url')
}

/**
 * Serves a forwarded control-plane request by injecting it into the local app. `from` (the forwarding
 * peer) is set as PEER_HEADER, replacing whatever the request carried under that name.
 */
export function createPeerApiHandler(getApp: () => FastifyInstance | undefined, secret: string): (req: ForwardedRequest, from?: string) => Promise<ForwardResponse> {
  return async (req, from) => {
    const app = getApp()
    if (!app) throw new Error('HTTP app not ready')
    const res = await app.inject({
      method: req.method as 'GET',
      url: req.path,
      headers: { ...req.headers, [INTERNAL_HEADER]: secret, [CALLER_HEADER]: JSON.stringify(req.caller ?? { kind: 'anonymous' }), [PEER_HEADER]: from ?? '', 'x-request-id': req.requestId },
      ...(req.body.length > 0 ? { payload: Buffer.from(req.body) } : {})
    })
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v
    const body = res.rawPayload
    return {
      status: res.statusCode,
      headers,
      body: (async function* () {
        yield new Uint8Array(body)
      })()
    }
  }
}

/** Calls a peer's HTTP API through the mesh and parses its JSON answer. Throws on transport errors. */
export async function askPeer(
  mesh: Mesh,
  peerId: string,
  req: { method?: string; path: string; body?: unknown; requestId: string; caller?: ForwardCaller },
  options: { signal?: AbortSignal; timeoutMs?: number } = {}
): Promise<{ status: number; body: unknown }> {
  const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs ?? PEER_API_TIMEOUT_MS), ...(options.signal ? [options.signal] : [])])
  const res = await mesh.forward(
    peerId,
    {
      method: req.method ?? 'GET',
      path: req.path,
      headers: req.body === undefined ? {} : { 'content-type': 'application/json' },
      body: req.body === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(req.body)),
      requestId: req.requestId,
      hops: 1,
      caller: req.caller
    },
    { signal }
  )
  const chunks: Uint8Array[] = []
  for await (const c of res.body) chunks.push(c)
  const text = Buffer.concat(chunks).toString('utf8')
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null }
}
