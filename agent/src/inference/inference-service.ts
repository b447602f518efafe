/**
 * The path of an inference request after HTTP parsing: validate the body, find who can serve the
 * model, serve it here or forward it to a peer (failing over to the next candidate while no response
 * byte has arrived), and report where and why. Used by the HTTP routes and by the mesh's forward
 * handler alike; a forwarded request (`ctx.local`) is always served here, never forwarded again.
 */
import type { ForwardBodySource, Mesh } from '../../../mesh/src/index.js'
import type { InferenceRuntime } from '../../../native-runtime/src/index.js'
import { ModelNotFoundError, RuntimeUnavailableError } from '../../../native-runtime/src/index.js'
import { ChatCompletionRequestSchema, CompletionRequestSchema, EmbeddingRequestSchema } from '../http/schemas/openai.js'
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from '../http/schemas/openai.js'
import { parseBody } from '../http/schemas/parse-body.js'
import { NoReachableHolderError, UnknownModelError, UpstreamError } from '../errors/errors.js'
import type { AdmissionQueue } from '../scheduler/admission-queue.js'
import type { ImageInputDeps } from '../vision/index.js'
import { backendCandidate, lastResort, localCandidate, peerCandidates, storedLocalCandidate, type Candidate, type StoredModelFacts } from '../scheduler/candidates.js'
import { createRanker, type Ranker, type RoutingPolicy } from '../scheduler/baseline-policies.js'
import { InflightTracker } from '../scheduler/inflight-tracker.js'
import { PrefixDigest } from '../scheduler/prefix-digest.js'
import { routingInput, type RoutingInput } from '../scheduler/routing-task.js'
import { MissingCapabilityError } from '../errors/errors.js'
import { onBodyEnd, type HttpResult } from './http-result.js'
import { LocalExecutor } from './local-executor.js'
import { chatOptions } from '../structured/chat-options.js'
import { FAILOVER_HEADER, HEAD_MS_HEADER, type RequestContext, type RouteInfo } from './request-context.js'
import { BackendUnavailableError, type BackendRegistry } from '../backends/index.js'
import { errorRow } from '../errors/error-table.js'
import { guardAttempt, guardedBody, headBoundMs, PeerDeathWatch, PeerGoneError, SilentPeers, type HeadBoundPolicy } from './failover/index.js'

/** Silence bound before the head of a forwarded request of another body type (audio): its work is not priced in tokens. */
export const DISPATCH_HEAD_BOUND_MS = 300_000

/** Peers tried before giving up when each fails before answering. */
export const MAX_FORWARD_ATTEMPTS = 3

/** What the passes of one failover share: forwards made, the candidates tried, and why each did not serve. */
interface FailoverRun {
  attempts: number
  tried: Set<string>
  failures: { cand: Candidate; err: unknown }[]
}

/** Head bound when none is configured (the config's defaults, specs/routing.md). */
export const DEFAULT_HEAD_BOUND: HeadBoundPolicy = { floorMs: 15_000, factor: 4 }
/** How long a peer that went silent past its head bound is tried last (ms). */
export const SILENT_HOLD_MS = 30_000

export type InferenceApi = 'chat' | 'completion' | 'embeddings' | 'count_tokens'

/**
 * Path of each API, used when forwarding. `count_tokens` (a chat body's prompt size, for Anthropic's
 * count_tokens) has no HTTP route of its own: it only travels between nodes, to the node holding the model.
 */
export const API_PATHS: Readonly<Record<InferenceApi, string>> = {
  chat: '/v1/chat/completions',
  completion: '/v1/completions',
  embeddings: '/v1/embeddings',
  count_tokens: '/api/internal/count-tokens'
}

/** The APIs with a public HTTP route of their own. */
export const PUBLIC_APIS: readonly InferenceApi[] = ['chat', 'completion', 'embeddings']

export interface InferenceServiceComponents {
  runtime: InferenceRuntime
  admission: AdmissionQueue
  mesh?: Mesh
  nodeName: string
  now?: () => number
  /** Requests this node routed to peers and not yet finished. @default a new tracker */
  tracker?: InflightTracker
  /** Prompt prefixes this node served recently (gossiped for affinity). @default a new digest */
  digest?: PrefixDigest
  /** Routing policy of this ingress; every policy but `llmlb` is for benchmarks. @default 'llmlb' */
  policy?: RoutingPolicy
  /** Models stored here but not loaded (on-demand load); unset: only loaded models are served. */
  coldModels?: ColdModels
  /**
   * Maps a requested name that is no model id (a catalog name or alias) to the model id it means;
   * undefined leaves the name as is. May throw (a pull started by `--auto-pull` answers 503).
   */
  resolveModel?: (name: string) => string | undefined
  /** Engines and cloud providers this node fronts; their models are served here like native ones. */
  backends?: BackendRegistry
  /** Bound on a peer's silence before its response head. @default DEFAULT_HEAD_BOUND */
  headBound?: HeadBoundPolicy
  /** Stops the service's mesh listeners (node stop). */
  signal?: AbortSignal
  /** How image URLs are loaded for vision models (limits, the guarded fetcher). @default built-in limits, no exceptions */
  images?: ImageInputDeps
}

/** The load policy as the request path sees it (implemented by the model manager). */
export interface ColdModels {
  /** Facts of a model stored here and not loaded (nor loading), else undefined. */
  stored(model: string): StoredModelFacts | undefined
  /** Loads a stored model if it is not loaded (bounded; throws insufficient_memory and load errors). */
  ensureLoaded(model: string, signal: AbortSignal): Promise<void>
  /** A request used the model now (keep-alive, least-recently-used order). */
  touch(model: string): void
}

export interface Served {
  result: HttpResult
  route: RouteInfo
  model: string
  stream: boolean
  usage?: { promptTokens: number; completionTokens: number }
}

type AnyBody = ChatCompletionRequest | CompletionRequest | EmbeddingRequest

const SCHEMAS = { chat: ChatCompletionRequestSchema, completion: CompletionRequestSchema, embeddings: EmbeddingRequestSchema, count_tokens: ChatCompletionRequestSchema } as const

export class InferenceService {
  private readonly local: LocalExecutor
  private readonly now: () => number
  readonly tracker: InflightTracker
  readonly digest: PrefixDigest
  private readonly rank: Ranker
  private readonly deaths: PeerDeathWatch | undefined
  readonly silent: SilentPeers
  /** Forward attempts given up before their head, by why (for stats and tests). */
  readonly failovers = { dead: 0, silent: 0 }

  constructor(private readonly c: InferenceServiceComponents) {
    this.local = new LocalExecutor(c)
    this.now = c.now ?? Date.now
    this.tracker = c.tracker ?? new InflightTracker(this.now)
    this.digest = c.digest ?? new PrefixDigest()
    this.rank = createRanker(c.policy ?? 'llmlb')
    this.deaths = c.mesh ? new PeerDeathWatch(c.mesh, c.signal) : undefined
    this.silent = new SilentPeers(SILENT_HOLD_MS, this.now)
  }

  /** Every node that lists `model` (loaded or loading here, or advertised by a live peer). */
  private holders(model: string, task: RoutingInput): Candidate[] {
    const all: Candidate[] = []
    const m = this.c.runtime.models().find((x) => x.id === model && x.state === 'loaded')
    const viaBackend = m ? undefined : this.c.backends?.find(model)
    if (m) all.push(localCandidate(this.c.nodeName, m, this.c.admission.stats(model), this.digest.get(model), task.prefixHashes))
    else if (viaBackend) all.push(backendCandidate(this.c.nodeName, viaBackend.model, this.digest.get(model), task.prefixHashes))
    else {
      const cold = this.c.coldModels?.stored(model)
      if (cold) all.push(storedLocalCandidate(this.c.nodeName, cold))
    }
    if (this.c.mesh) all.push(...peerCandidates(model, this.c.mesh.peers(), this.now(), task.prefixHashes, (id, advertLoad, since) => this.tracker.loadOf(id, advertLoad, since)))
    return all
  }

  /** Everyone who can serve this request now, ranked; 404/400/503 when nobody can. */
  candidates(model: string, task: RoutingInput): { ranked: Candidate[]; reason: string } {
    const all = this.holders(model, task)
    if (all.length === 0) throw this.noCandidateError(model)
    const able = all.filter((c) => task.needs.every((n) => c.capabilities[n.key]))
    if (able.length === 0) {
      const missing = task.needs.find((n) => !all.some((c) => c.capabilities[n.key])) ?? task.needs[0]
      throw new MissingCapabilityError(model, missing?.label ?? 'this request', this.modelsWith(missing?.key))
    }
    const r = this.rank(able, task)
    return { ranked: lastResort(this.silent.demote(r.candidates)), reason: r.reason }
  }

  /** Ids of the cluster's models that have a capability, for error messages. */
  private modelsWith(key: keyof Candidate['capabilities'] | undefined): string[] {
    if (!key) return []
    const ids = new Set<string>()
    for (const m of this.c.runtime.models()) if (m.state === 'loaded' && m.capabilities[key]) ids.add(m.id)
    for (const p of this.c.mesh?.peers() ?? []) if (p.status === 'alive') for (const m of p.state.models) if (m.capabilities[key]) ids.add(m.id)
    return [...ids].sort()
  }

  async handle(api: InferenceApi, raw: unknown, ctx: RequestContext): Promise<Served> {
    const body = parseBody(SCHEMAS[api], raw)
    const resolved = this.c.resolveModel?.(body.model)
    if (resolved) body.model = resolved
    // tools, tool_choice and schemas are checked where the request arrives, so a bad one is a 400 before routing
    if (api === 'chat') chatOptions(body as ChatCompletionRequest)
    const stream = 'stream' in body && body.stream === true
    const task = routingInput(api, body)
    if (ctx.local) return this.serveLocal(api, body, ctx, 'forwarded-to-me', stream, task)
    const { ranked, reason } = this.candidates(body.model, task)
    return this.firstThatServes(ranked, reason, ctx, () => this.candidates(body.model, task).ranked, (why) => this.serveLocal(api, body, ctx, why, stream, task), (cand, why) => this.forward(api, body, cand, ctx, why, stream, task))
  }

  /**
   * Tries the ranked candidates in order: this node serves at once; a peer that fails before answering,
   * or answers 503 (restarting its runtime, draining) before doing any work, passes to the next. When
   * every candidate of the ranking has failed, the cluster is ranked once more (`rerank`) without them:
   * the view the first ranking came from may be seconds old by then (a failover waits for a peer to be
   * declared dead), and a holder that was suspect or restarting at the start may serve now. A holder
   * given up for silence stays in that second ranking (last, as SilentPeers demotes it): it is slow, not
   * known broken, and beats answering 502.
   */
  private async firstThatServes(first: Candidate[], reason: string, ctx: RequestContext, rerank: () => Candidate[], local: (why: string) => Promise<Served>, forward: (cand: Candidate, why: string) => Promise<Served>): Promise<Served> {
    const run: FailoverRun = { attempts: 0, tried: new Set(), failures: [] }
    let ranked = first
    for (let pass = 0; pass < 2 && ranked.length > 0; pass++) {
      const served = await this.tryRanked(ranked, pass === 0 ? reason : 'failover', ctx, local, forward, run)
      if (served) return served
      if (run.attempts >= MAX_FORWARD_ATTEMPTS || ctx.signal.aborted) break
      try {
        ranked = rerank().filter((c) => !run.tried.has(c.target))
      } catch {
        break
      }
    }
    // the client sees the table's public message; the log gets every attempt
    const detail = `(${run.failures.map(({ cand, err }) => `${cand.nodeName}${cand.suspect ? ' (suspect)' : ''}: ${(err as Error).message ?? String(err)}`).join('; ') || 'none could be tried'})`
    const lastErr = run.failures.at(-1)?.err
    // only suspect holders were there (the model lives across a partition, or its holders are dying): retry later
    if (run.failures.length > 0 && run.failures.every((f) => f.cand.suspect)) throw new NoReachableHolderError(`Every holder of this model is suspected down ${detail}`, lastErr)
    throw new UpstreamError(`Every holder failed before answering ${detail}`, lastErr)
  }

  /** One pass of firstThatServes over a ranking: the answer, or undefined with `run` updated. */
  private async tryRanked(ranked: Candidate[], reason: string, ctx: RequestContext, local: (why: string) => Promise<Served>, forward: (cand: Candidate, why: string) => Promise<Served>, run: FailoverRun): Promise<Served | undefined> {
    for (const [i, cand] of ranked.entries()) {
      const why = i === 0 ? reason : 'failover'
      run.tried.add(cand.target)
      // it waited on a holder that failed: wherever it goes now, it goes ahead of the queue
      if (run.failures.length > 0) ctx.failedOver = true
      if (cand.target === 'self') {
        // a backend (engine, cloud provider) that fails before its first byte: the next holder serves
        if (!cand.engine || i === ranked.length - 1) return local(why)
        try {
          return await local(why)
        } catch (err) {
          if (ctx.signal.aborted || errorRow((err as { code?: string }).code).status < 500) throw err
          run.failures.push({ cand, err })
          continue
        }
      }
      if (run.attempts++ >= MAX_FORWARD_ATTEMPTS) break
      try {
        const served = await forward(cand, why)
        // a peer that is restarting its runtime or draining answers 503 before doing any work: try the next
        if (served.result.status === 503 && i < ranked.length - 1) {
          for await (const _ of served.result.body) void _
          run.failures.push({ cand, err: new UpstreamError(`${cand.nodeName} answered 503`) })
          continue
        }
        return served
      } catch (err) {
        if (ctx.signal.aborted) throw err
        run.failures.push({ cand, err })
        // silent past its head bound is not known broken (a long queue can be): the next pass may try it again, last
        if (err instanceof PeerGoneError && err.why === 'silent') run.tried.delete(cand.target)
      }
    }
    return undefined
  }

  /** A model this node serves but cannot right now (runtime restarting, model reloading) is a 503, not a 404. */
  private noCandidateError(model: string): Error {
    const known = this.c.runtime.models().find((m) => m.id === model)
    if (known && (known.state === 'loading' || !this.c.runtime.isUp())) return new RuntimeUnavailableError()
    return new UnknownModelError(model)
  }

  private async serveLocal(api: InferenceApi, body: AnyBody, ctx: RequestContext, reason: string, stream: boolean, task: RoutingInput): Promise<Served> {
    const viaBackend = this.c.runtime.models().some((m) => m.id === body.model && m.state === 'loaded') ? undefined : this.c.backends?.find(body.model)
    if (viaBackend) {
      this.digest.record(body.model, task.prefixHashes)
      const out = await viaBackend.backend.serve(api, body as AnyBody & Record<string, unknown>, ctx)
      return { result: out.result, route: { servedBy: this.c.nodeName, route: 'local', reason, hops: ctx.hops, queueWaitMs: out.queueWaitMs, engine: viaBackend.model.engine }, model: body.model, stream, ...(out.usage ? { usage: out.usage } : {}) }
    }
    // forwarded here for a backend's model whose backend just went down (the ingress's view is older):
    // a 503, so the ingress fails over instead of answering 404
    if (ctx.local && this.c.backends?.knows(body.model) && !this.c.runtime.models().some((m) => m.id === body.model)) throw new BackendUnavailableError(body.model)
    const cold = this.c.coldModels
    if (cold) {
      // chosen while stored but not loaded (here, or by a peer from our advert): load it first
      if (!this.c.runtime.models().some((m) => m.id === body.model && m.state === 'loaded') && cold.stored(body.model)) await cold.ensureLoaded(body.model, ctx.signal)
      cold.touch(body.model)
    }
    // this node's KV cache will hold these prefixes: advertise them for affinity
    this.digest.record(body.model, task.prefixHashes)
    const out = await (api === 'chat'
      ? this.local.chat(body as ChatCompletionRequest, ctx)
      : api === 'completion'
        ? this.local.completion(body as CompletionRequest, ctx)
        : api === 'count_tokens'
          ? this.local.countTokens(body as ChatCompletionRequest, ctx)
          : this.local.embeddings(body as EmbeddingRequest, ctx))
    return {
      result: out.result,
      route: { servedBy: this.c.nodeName, route: 'local', reason, hops: ctx.hops, queueWaitMs: out.queueWaitMs },
      model: body.model,
      stream,
      usage: out.usage
    }
  }

  /**
   * Serves a request of another body type (a multipart upload) on the same path as the JSON APIs:
   * the ranked holders of `model` that have `needs`, here through `local`, on a peer by forwarding
   * `remote` (bytes, or an upload streamed from its spool, read again for each attempt) to the same
   * route, failing over while no response byte arrived.
   */
  async dispatch(model: string, needs: RoutingInput['needs'], ctx: RequestContext, local: (reason: string) => Promise<Served>, remote: RemoteBody): Promise<Served> {
    if (ctx.local) return local('forwarded-to-me')
    const task = { needs, expectedTokens: 1, promptTokens: 1, prefixHashes: [] }
    const { ranked, reason } = this.candidates(model, task)
    // no token figures price an audio job: a silent peer is given up on only at the dispatch bound
    return this.firstThatServes(ranked, reason, ctx, () => this.candidates(model, task).ranked, local, (cand, why) => this.forwardTo(remote, model, cand, ctx, why, false, DISPATCH_HEAD_BOUND_MS))
  }

  private forward(api: InferenceApi, body: AnyBody, cand: Candidate, ctx: RequestContext, reason: string, stream: boolean, task: RoutingInput): Promise<Served> {
    const remote = jsonRemote(API_PATHS[api], body, ctx)
    const limits = body as { max_tokens?: number | null; max_completion_tokens?: number | null }
    // embeddings and token counts produce no tokens: their head leaves once the prompt is read
    const maxTokens = api === 'embeddings' || api === 'count_tokens' ? 1 : (limits.max_completion_tokens ?? limits.max_tokens)
    const bound = headBoundMs(cand, { promptTokens: task.promptTokens, stream, ...(maxTokens == null ? {} : { maxTokens }) }, this.c.headBound ?? DEFAULT_HEAD_BOUND)
    return this.forwardTo(remote, body.model, cand, ctx, reason, stream, bound)
  }

  private async forwardTo(remote: RemoteBody, model: string, cand: Candidate, ctx: RequestContext, reason: string, stream: boolean, bound: number): Promise<Served> {
    const mesh = this.c.mesh
    if (!mesh) throw new ModelNotFoundError(model)
    const reservation = this.tracker.begin(cand.target)
    const guard = guardAttempt(ctx.signal, cand.target, bound, this.deaths)
    let res
    try {
      res = await mesh.forward(
      cand.target,
      {
        method: 'POST',
        path: remote.path,
        headers: { 'content-type': remote.contentType, 'x-request-id': ctx.requestId, ...(ctx.failedOver === true ? { [FAILOVER_HEADER]: '1' } : {}) },
        body: remote.body,
        requestId: ctx.requestId,
        hops: ctx.hops + 1,
        caller: ctx.caller
      },
      { signal: guard.signal }
    )
    } catch (err) {
      guard.end()
      reservation.end()
      const gone = guard.gone
      if (gone === undefined) throw err
      // given up on this peer before its head: the caller moves to the next candidate
      this.failovers[gone.why]++
      if (gone.why === 'silent') this.silent.silent(cand.target)
      throw gone
    }
    guard.headArrived()
    this.silent.answered(cand.target)
    const servedBy = res.headers['x-llmlb-served-by'] ?? cand.nodeName
    const queueWait = Number(res.headers['x-llmlb-queue-wait-ms'] ?? 0)
    const peerHead = Number(res.headers[HEAD_MS_HEADER])
    const usage = usageOf(res.headers[USAGE_HEADER])
    const headers = { ...res.headers }
    for (const h of Object.keys(headers)) if (h.startsWith('x-llmlb-')) delete headers[h]
    return {
      result: { status: res.status, headers, body: onBodyEnd(guardedBody(res.body, res.headers['content-type'] ?? '', guard.end), () => reservation.end()) },
      route: { servedBy, route: 'forwarded', reason, hops: ctx.hops + 1, queueWaitMs: queueWait, ...(Number.isFinite(peerHead) ? { peerHeadMs: peerHead } : {}), ...(cand.engine ? { engine: cand.engine } : {}) },
      model,
      stream,
      ...(usage ? { usage } : {})
    }
  }
}

/** A request body to forward, with its content type: bytes, or a source streamed (and replayed for each attempt). */
export interface RemoteBody {
  path: string
  contentType: string
  body: Uint8Array | ForwardBodySource
}

/** A JSON request to forward: the client's own bytes when the route kept them, else `body` serialized. */
export function jsonRemote(path: string, body: unknown, ctx: RequestContext): RemoteBody {
  return { path, contentType: 'application/json', body: ctx.rawBody ?? new TextEncoder().encode(JSON.stringify(body)) }
}

/**
 * Header a serving node sets when its answer's usage is not in the body in OpenAI's token form (audio:
 * `<input>,<output>`, audio seconds in), so the ingress records it in history and token statistics.
 */
export const USAGE_HEADER = 'x-llmlb-usage'

function usageOf(value: string | undefined): Served['usage'] {
  const [p, c] = (value ?? '').split(',').map(Number)
  return Number.isFinite(p) && Number.isFinite(c) && value ? { promptTokens: p as number, completionTokens: c as number } : undefined
}
