/**
 * Stored responses as any node sees them: those in its own store, and those of its peers, reached
 * through the mesh. A response id names its owner node (ids.ts); the owner answers for it, with its own
 * access check on the caller the asking node vouches for. Nothing is replicated (specs/responses.md).
 */
import type { Mesh } from '../../../../mesh/src/index.js'
import type { Identity } from '../../auth/identity.js'
import { LOCAL_ADMIN_ID, callerOf } from '../../auth/identity.js'
import { AgentError } from '../../errors/errors.js'
import { askPeer } from '../../node/peer-api.js'
import { newResponseId, nodeTag, tagOfItemId, tagOfResponseId } from './ids.js'
import type { ResponseStore, StoredResponse } from './response-store.js'
import { ItemLookupAnswerSchema, StoredResponseSchema, type OutputItem } from './schemas.js'

/** Path of the mesh-only route that hands a stored response, with its conversation, to a peer. */
export const INTERNAL_RESPONSE_PATH = '/api/internal/responses/:id'

/** Path of the mesh-only route that resolves output item ids (`item_reference`) for a peer. */
export const INTERNAL_ITEMS_PATH = '/api/internal/response-items'

/** No such response, or not one the caller may see (the two are not told apart): 404. */
export class ResponseNotFoundError extends AgentError {
  constructor(id: string, why = '') {
    super('not_found', `Response with id '${id}' not found.${why}`)
  }
}

/** `previous_response_id` names no response the caller may see: OpenAI's 400. */
export class PreviousResponseNotFoundError extends AgentError {
  constructor(id: string, why = '') {
    super('previous_response_not_found', `Previous response with id '${id}' not found.${why}`, { param: 'previous_response_id' })
  }
}

/** Said when an id names a node that is not in the cluster now. */
const OWNER_GONE = ' The node that stored it is not in the cluster now.'

/** Who owns what a request stores: `api-key:<id>`, `user:<id>`, or `anonymous` (auth off, no key). */
export function ownerOf(identity: Identity | null | undefined): string {
  const c = callerOf(identity)
  return c.kind === 'anonymous' || c.id === undefined ? 'anonymous' : `${c.kind}:${c.id}`
}

/** Admins (and everyone when auth is off) see every stored response. */
export function seesAll(identity: Identity | null | undefined): boolean {
  if (!identity) return false
  if (identity.kind === 'open' || identity.kind === 'local-admin' || identity.role === 'admin') return true
  // a peer's local admin arrives through the mesh as this key id (identity.ts)
  return identity.via === 'mesh' && identity.kind === 'api-key' && identity.id === LOCAL_ADMIN_ID
}

/** Where a response id lives: here, at a live peer, or nowhere this node can reach. */
export type ResponseHome = { at: 'self' } | { at: 'peer'; peerId: string } | { at: 'unknown' }

/** This node's store, its identity and the mesh to reach the others. */
export interface StoredResponsesDeps {
  store: ResponseStore
  /** This node's peer id (the tag in the ids it mints). */
  peerId: () => string
  mesh?: Mesh
}

/** Stored responses of the whole cluster as this node reaches them, with the access rule applied. */
export class StoredResponses {
  private readonly tags = new Map<string, string>()

  constructor(private readonly d: StoredResponsesDeps) {}

  private tagOf(peerId: string): string {
    let t = this.tags.get(peerId)
    if (t === undefined) {
      t = nodeTag(peerId)
      this.tags.set(peerId, t)
    }
    return t
  }

  /** A new id for a response this node stores. */
  newId(): string {
    return newResponseId(this.tag())
  }

  /** This node's tag, put into the ids of the responses and output items it stores. */
  tag(): string {
    return this.tagOf(this.d.peerId())
  }

  /** The node that owns the response `id`. */
  home(id: string): ResponseHome {
    return this.homeOfTag(tagOfResponseId(id))
  }

  private homeOfTag(tag: string | undefined): ResponseHome {
    if (tag === undefined) return { at: 'unknown' }
    if (tag === this.tag()) return { at: 'self' }
    // a peer thought dead may only be slow (a busy box): asking it fails fast with a 502, which is
    // truer than "not found"; one that left the cluster is gone
    const peers = (this.d.mesh?.peers() ?? []).filter((p) => p.status !== 'left' && this.tagOf(p.peerId) === tag)
    const peer = peers.find((p) => p.status === 'alive') ?? peers.find((p) => p.status === 'suspect') ?? peers[0]
    return peer ? { at: 'peer', peerId: peer.peerId } : { at: 'unknown' }
  }

  /** A response of this node's store that `identity` may see, or undefined. */
  visible(id: string, identity: Identity | null | undefined): StoredResponse | undefined {
    const s = this.d.store.get(id)
    return s && (s.owner === ownerOf(identity) || seesAll(identity)) ? s : undefined
  }

  /** A response of this node's store that `identity` may see; throws ResponseNotFoundError otherwise. */
  local(id: string, identity: Identity | null | undefined): StoredResponse {
    const s = this.visible(id, identity)
    if (!s) throw new ResponseNotFoundError(id)
    return s
  }

  /** Saves a response this node generated. */
  save(stored: StoredResponse): Promise<void> {
    return this.d.store.put(stored)
  }

  /** Deletes a local response `identity` may see; throws ResponseNotFoundError otherwise. */
  async delete(id: string, identity: Identity | null | undefined): Promise<void> {
    this.local(id, identity)
    await this.d.store.delete(id)
  }

  /**
   * The stored response `id` wherever it lives, for `previous_response_id`: from this store, or from
   * its owner through the mesh (one round trip), which checks the caller itself.
   */
  async find(id: string, identity: Identity | null | undefined, ctx: { requestId: string; signal?: AbortSignal }): Promise<StoredResponse> {
    const home = this.home(id)
    if (home.at === 'self') {
      const s = this.visible(id, identity)
      if (!s) throw new PreviousResponseNotFoundError(id)
      return s
    }
    // a peer asking us about an id that is not ours: never ask on, a wrong tag must not loop
    if (home.at === 'unknown' || identity?.via === 'mesh') throw new PreviousResponseNotFoundError(id, home.at === 'unknown' && tagOfResponseId(id) ? OWNER_GONE : '')
    const path = INTERNAL_RESPONSE_PATH.replace(':id', encodeURIComponent(id))
    const res = await this.relay(home.peerId, 'GET', path, identity, ctx)
    if (res.status === 404) throw new PreviousResponseNotFoundError(id)
    if (res.status !== 200) throw peerError(res.status, res.body)
    const parsed = StoredResponseSchema.safeParse(res.body)
    if (!parsed.success) throw new AgentError('protocol_error', `the node that stored ${id} answered a malformed response`)
    return parsed.data
  }

  /** Throws the 404 of `GET /v1/responses/{id}` for an id whose owner is unknown. */
  static notFound(id: string): ResponseNotFoundError {
    return new ResponseNotFoundError(id, tagOfResponseId(id) ? OWNER_GONE : '')
  }

  /** Output items of this node's stored responses among `ids` that `identity` may see. */
  localItems(ids: readonly string[], identity: Identity | null | undefined): OutputItem[] {
    const out: OutputItem[] = []
    for (const id of ids) {
      const rid = this.d.store.responseOfItem(id)
      const item = rid === undefined ? undefined : this.visible(rid, identity)?.response.output.find((o) => o.id === id)
      if (item) out.push(item)
    }
    return out
  }

  /**
   * Output items of stored responses wherever they live (`item_reference`): this node's from its
   * store, others' with one mesh request per owner node. Ids not found, or not the caller's, are absent.
   */
  async items(ids: readonly string[], identity: Identity | null | undefined, ctx: { requestId: string; signal?: AbortSignal }): Promise<Map<string, OutputItem>> {
    const found = new Map<string, OutputItem>()
    const byPeer = new Map<string, string[]>()
    for (const id of new Set(ids)) {
      const home = this.homeOfTag(tagOfItemId(id))
      if (home.at === 'self') for (const it of this.localItems([id], identity)) found.set(it.id, it)
      // a peer asking us: answer with ours only, never ask on
      else if (home.at === 'peer' && identity?.via !== 'mesh') byPeer.set(home.peerId, [...(byPeer.get(home.peerId) ?? []), id])
    }
    await Promise.all(
      [...byPeer].map(async ([peerId, wanted]) => {
        const res = await this.relay(peerId, 'POST', INTERNAL_ITEMS_PATH, identity, ctx, { ids: wanted })
        if (res.status !== 200) throw peerError(res.status, res.body)
        const parsed = ItemLookupAnswerSchema.safeParse(res.body)
        if (!parsed.success) throw new AgentError('protocol_error', 'a node answered a malformed item lookup')
        for (const it of parsed.data.items) found.set(it.id, it)
      })
    )
    return found
  }

  /** Sends a request for a response to its owner node, as `identity`; the peer's status and JSON body. */
  async relay(peerId: string, method: string, path: string, identity: Identity | null | undefined, ctx: { requestId: string; signal?: AbortSignal }, body?: unknown): Promise<{ status: number; body: unknown }> {
    const mesh = this.d.mesh
    if (!mesh) throw new AgentError('peer_unreachable', 'no mesh')
    try {
      return await askPeer(mesh, peerId, { method, path, requestId: ctx.requestId, caller: callerOf(identity), ...(body === undefined ? {} : { body }) }, { signal: ctx.signal })
    } catch (err) {
      throw new AgentError('peer_unreachable', `the node that stored this response could not be reached: ${(err as Error).message}`, { cause: err })
    }
  }
}

/** A peer's OpenAI error answer as a typed error (the codes come from the same table). */
function peerError(status: number, body: unknown): AgentError {
  const e = (body as { error?: { code?: unknown; message?: unknown; param?: unknown } } | null)?.error
  const code = typeof e?.code === 'string' ? e.code : status >= 500 ? 'upstream_failed' : 'invalid_request'
  return new AgentError(code, typeof e?.message === 'string' ? e.message : `HTTP ${status}`, { param: typeof e?.param === 'string' ? e.param : null })
}
