/**
 * Everything history and metrics learn about one inference request at the ingress node, from the
 * moment it arrives to its last byte: where it was served, when the head and the first body byte were
 * written, what the body said (usage, errors), how it ended. `finish` turns it into one record.
 * No I/O; the clock is injected.
 */
import type { RouteInfo } from '../inference/request-context.js'
import { boundedModel, outcomeOf, type HistoryBodies, type HistoryRecord } from './history-record.js'
import { ResponseReader, type ResponseFacts } from './response-reader.js'
import { storedJson, storedResponse, capText } from './redact.js'

export interface CaptureInit {
  id: string
  api: string
  ingressNode: string
  clientAddress: string
  /** When the request arrived (ms since the epoch). */
  startedAt: number
  /** Monotonic clock (ms). @default performance.now */
  clock?: () => number
  /** Keep request and response bodies (redacted, capped). */
  storeBodies: boolean
  /** Cap of each stored body (bytes). */
  maxBodyBytes: number
}

/** What the route knows when it starts writing a served response. */
export interface ServedInfo {
  status: number
  contentType: string
  model: string
  stream: boolean
  route: RouteInfo
  /** Filled in by local execution once the body completes. */
  usage?: { promptTokens: number; completionTokens: number }
}

/** Timings metrics want beyond the record (ms). */
export interface CaptureTimings {
  /** Arrival → response head written. */
  headMs: number | null
  /** The serving peer's own arrival → head, for forwarded requests (per-hop overhead = headMs − this). */
  peerHeadMs?: number
}

/** How a served body ended. */
export interface BodyEnd {
  /** The client left before the body was complete. */
  clientGone: boolean
  /** The body failed after the response head was decided. */
  error?: unknown
  /** The status the client got instead of the served one (a body that broke before anything was sent). */
  status?: number
}

export interface CaptureResult {
  record: HistoryRecord
  bodies?: HistoryBodies
  timings: CaptureTimings
}

function errorOfPayload(payload: unknown, status: number): { code: string; message: string } {
  try {
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : ''
    const e = (JSON.parse(text) as { error?: { code?: unknown; type?: unknown; message?: unknown } | string }).error
    // Ollama's errors are a bare string
    if (typeof e === 'string') return { code: `http_${status}`, message: e }
    // OpenAI's carry a code, Anthropic's only a type
    const code = typeof e?.code === 'string' ? e.code : typeof e?.type === 'string' ? e.type : undefined
    if (e && code) return { code, message: typeof e.message === 'string' ? e.message : '' }
  } catch {
    // not an OpenAI error body
  }
  return { code: `http_${status}`, message: '' }
}

export class RequestCapture {
  private readonly clock: () => number
  private readonly t0: number
  private served?: ServedInfo
  private reader?: ResponseReader
  private headAt?: number
  private firstByteAt?: number
  private rejected?: { status: number; payload: unknown; code?: string }
  private ended?: BodyEnd
  /** Set once `finish` ran: a request is recorded exactly once. */
  finished = false

  constructor(private readonly init: CaptureInit) {
    this.clock = init.clock ?? (() => performance.now())
    this.t0 = this.clock()
  }

  /** The response head of a served request is being written. */
  head(info: ServedInfo): void {
    this.served = info
    this.headAt = this.clock()
    // audio answers (speech) and images are blobs: their size is recorded, never their bytes
    const keep = this.init.storeBodies && !info.contentType.startsWith('audio/') && !this.init.api.startsWith('image_') ? this.init.maxBodyBytes : 0
    this.reader = new ResponseReader(info.contentType.includes('text/event-stream'), keep)
  }

  /** A body chunk was written to the client. */
  chunk(c: string | Uint8Array): void {
    this.firstByteAt ??= this.clock()
    this.reader?.push(c)
  }

  /** The body ended: completely, by the client leaving, or by a failure after the head. */
  end(o: BodyEnd): void {
    this.ended = o
  }

  /**
   * The request failed before any served response: the error handler sent `payload` with `status`.
   * `code`: the stable error code when the body is in another API's shape (`x-llmlb-error-code`).
   */
  reject(status: number, payload: unknown, code?: string): void {
    this.rejected = { status, payload, ...(code ? { code } : {}) }
  }

  /** The record of the request. `body` is the parsed request body, if any. */
  finish(ctx: { body: unknown; apiKeyId: string | null; clientGone?: boolean }): CaptureResult {
    this.finished = true
    const now = this.clock()
    const s = this.served
    const status = this.ended?.status ?? s?.status ?? this.rejected?.status ?? 500
    // the body as served (a status that replaced it after a failure says nothing about the body)
    const facts: ResponseFacts | undefined = this.reader?.finish(s?.status ?? status)
    const clientGone = ctx.clientGone === true || this.ended?.clientGone === true
    const failure = this.ended?.error ? { code: 'stream_failed', message: String((this.ended.error as Error).message ?? this.ended.error) } : undefined
    const rejectedError = (): { code: string; message: string } => {
      const e = errorOfPayload(this.rejected?.payload, status)
      return this.rejected?.code ? { ...e, code: this.rejected.code } : e
    }
    const error = s ? (facts?.error ?? failure ?? null) : rejectedError()
    const outcome = outcomeOf(status, error, clientGone)
    const localUsage = s?.usage && (s.usage.promptTokens > 0 || s.usage.completionTokens > 0) ? { inputTokens: s.usage.promptTokens, outputTokens: s.usage.completionTokens } : undefined
    const usage = facts?.usage ?? localUsage
    // no usage in the answer: only a stream cut short has produced tokens worth estimating (one per content event)
    const estimated = !usage && (facts?.contentEvents ?? 0) > 0
    const body = ctx.body as { model?: unknown } | undefined
    const record: HistoryRecord = {
      id: this.init.id,
      ts: this.init.startedAt,
      api: this.init.api,
      model: boundedModel(s?.model ?? body?.model),
      stream: s?.stream ?? (body as { stream?: unknown } | undefined)?.stream === true,
      ingressNode: this.init.ingressNode,
      servedBy: s?.route.servedBy ?? null,
      route: s?.route.route ?? null,
      engine: s?.route.engine ?? null,
      reason: s?.route.reason ?? null,
      hops: s?.route.hops ?? 0,
      clientAddress: this.init.clientAddress,
      apiKeyId: ctx.apiKeyId,
      status,
      outcome,
      error,
      durationMs: Math.round(now - this.t0),
      ttftMs: this.firstByteAt === undefined || !s ? null : Math.round(this.firstByteAt - this.t0),
      queueWaitMs: s?.route.queueWaitMs === undefined ? null : Math.round(s.route.queueWaitMs),
      inputTokens: usage?.inputTokens ?? 0,
      outputTokens: usage?.outputTokens ?? (estimated ? (facts?.contentEvents ?? 0) : 0),
      tokensEstimated: estimated
    }
    return { record, bodies: this.bodies(ctx.body, facts), timings: { headMs: this.headAt === undefined ? null : this.headAt - this.t0, peerHeadMs: s?.route.peerHeadMs } }
  }

  private bodies(requestBody: unknown, facts: ResponseFacts | undefined): HistoryBodies | undefined {
    if (!this.init.storeBodies || this.init.maxBodyBytes <= 0) return undefined
    const max = this.init.maxBodyBytes
    const req = storedJson(requestBody, max)
    let res: { text: string | null; bytes: number; truncated: boolean }
    if (facts) res = storedResponse(facts.captured, facts.complete, facts.bytes, max)
    else if (typeof this.rejected?.payload === 'string') res = capText(this.rejected.payload, max)
    else res = { text: null, bytes: 0, truncated: false }
    return { request: req.text, response: res.text, requestBytes: req.bytes, responseBytes: res.bytes, truncated: req.truncated || res.truncated }
  }
}
