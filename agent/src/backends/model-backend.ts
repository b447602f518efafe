/**
 * A model backend is anything on this node, other than the native runtime, that serves models: an
 * inference engine on the box (Ollama, vLLM, llama.cpp's server…) or a cloud provider whose key this
 * node holds. Its models are advertised with this node as their holder, so every node routes to them
 * like native models; the request takes the same path (auth, routing, failover before the first byte,
 * history, token statistics) and ends here in `serve` instead of the runtime.
 */
import type { ModelCapabilities } from '../../../native-runtime/src/index.js'
import type { ModelAdvert, ProviderAdvert } from '../../../mesh/src/index.js'
import type { HttpResult } from '../inference/http-result.js'
import { AgentError } from '../errors/errors.js'
import type { RequestContext } from '../inference/request-context.js'
import type { ImageJob } from './image-job.js'

/** The APIs a backend may be asked to serve (bodies are OpenAI-shaped, already validated). */
export type BackendApi = 'chat' | 'completion' | 'embeddings' | 'count_tokens'

/** One model a backend serves now, with the load figures routing needs. */
export interface BackendModel {
  /** Model id as clients name it (cloud providers' ids carry their prefix, e.g. `anthropic:claude-…`). */
  id: string
  capabilities: ModelCapabilities
  contextLength: number
  quantization: string
  sizeBytes: number
  /** Requests the backend can run at once (for routing's queue estimate). */
  slotsTotal: number
  /** Requests running there now, as the backend reports or as this node counts. */
  slotsBusy: number
  /** Requests waiting there now (engine-reported queue depth). */
  queueDepth: number
  /** Generation speed per request (tokens/s, EMA); 0 when never measured. */
  tokensPerSecond: number
  /** Average time a request holds a slot (ms, EMA); 0 when not measured. */
  avgServiceMs: number
  /** What serves it, gossiped with the model: an engine kind (`ollama`, `vllm`…) or `cloud:<provider>`. */
  engine: string
  /** A model split over RPC workers, coordinated here (gossiped as ModelAdvert.sharded). */
  sharded?: ModelAdvert['sharded']
}

/** What serving produced, as the native path reports it. */
export interface BackendOutcome {
  result: HttpResult
  /** Time the request waited for a slot here (ms). */
  queueWaitMs: number
  /** Tokens counted once the response finished (filled in as the body completes, like the runtime's). */
  usage?: { promptTokens: number; completionTokens: number }
}

export interface ModelBackend {
  /** Stable name, unique on this node (e.g. `engine:ollama@127.0.0.1:11434`, `cloud:anthropic`). */
  readonly name: string
  /** The models it serves right now (empty while it is down). Cheap: called on every request and advert. */
  models(): readonly BackendModel[]
  /**
   * Serves one request for one of its models. Throws (an `LlmlbError` from the error table) for
   * anything that fails before the first byte, so the ingress can fail over; a failure after the
   * first byte ends the stream.
   */
  /** True for a model it serves or served before going down (optional; default: `models()` lists it). */
  knows?(model: string): boolean
  serve(api: BackendApi, body: { model: string } & Record<string, unknown>, ctx: RequestContext): Promise<BackendOutcome>
  /**
   * For backends whose catalog is too large to list in `models()` (a cloud provider's hundreds of
   * models): the figures of `model` when this backend serves it (e.g. any `anthropic:*`), else undefined.
   */
  match?(model: string): BackendModel | undefined
  /** Advertised by prefix instead of per model (see ProviderAdvertSchema); undefined while it cannot serve. */
  provider?(): ProviderAdvert | undefined
  /**
   * Serves an image request (backends whose models have `imageGeneration`): the answer is OpenAI's
   * images JSON with base64 images, or the backend's error. Throws like `serve` before the first byte.
   */
  images?(job: ImageJob, model: string, ctx: RequestContext): Promise<BackendOutcome>
}

/** A backend that serves a model is down right now: 503, so the ingress tries the model's next holder. */
export class BackendUnavailableError extends AgentError {
  constructor(model: string) {
    super('engine_unavailable', `The backend serving '${model}' on this node is unavailable right now`, { headers: { 'retry-after': '1' } })
  }
}
