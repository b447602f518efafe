/**
 * One engine kind: how it is recognised from its own endpoints, how its models and their
 * capabilities are listed, and where its load is read. Adapters only read; serving is the backend's.
 */
import type { ModelCapabilities } from '../../../../native-runtime/src/index.js'
import type { EngineHttp } from '../engine-http.js'
import { arr, num, obj, str } from '../engine-http.js'
import type { EngineKind } from '../schemas.js'

export interface EngineModelInfo {
  /** Model id as clients name it. */
  id: string
  /** The name the engine knows it by (Ollama's `name:tag`). */
  upstream: string
  capabilities: ModelCapabilities
  contextLength: number
  quantization: string
  sizeBytes: number
}

/** Load as the engine reports it; a field it does not expose is undefined. */
export interface EngineLoad {
  running?: number
  waiting?: number
  /** Requests the engine runs at once (llama.cpp's slots). */
  slots?: number
}

export interface EngineAdapter {
  readonly kind: EngineKind
  /** The API inference speaks to it: Ollama's native one, or OpenAI's. */
  readonly api: 'ollama' | 'openai'
  /** True when this engine's own endpoints answer as this kind does. */
  detect(http: EngineHttp, signal?: AbortSignal): Promise<boolean>
  models(http: EngineHttp, signal?: AbortSignal): Promise<EngineModelInfo[]>
  load(http: EngineHttp, signal?: AbortSignal): Promise<EngineLoad>
}

export const CHAT_ONLY: ModelCapabilities = { chat: true, completion: true, embeddings: false, tools: false, vision: false }
export const EMBEDDINGS_ONLY: ModelCapabilities = { chat: false, completion: false, embeddings: true, tools: false, vision: false }
export const IMAGE_ONLY: ModelCapabilities = { chat: false, completion: false, embeddings: false, tools: false, vision: false, imageGeneration: true }

/**
 * Model ids that name an image model (Stable Diffusion, SDXL, FLUX, DALL·E, GPT image): an OpenAI
 * model list says nothing of what a model does, so the id is the one hint (like `embed` for embeddings).
 */
export const IMAGE_MODEL_ID = /(stable-?diffusion|sdxl|(^|[^a-z])sd-?(turbo|[0-9])|flux|dall-e|gpt-image|dreamshaper)/i

/** Context length when the engine does not say. */
export const DEFAULT_CONTEXT = 4096

/** The OpenAI model list every OpenAI-compatible engine serves at `/v1/models`. */
export async function openAiModels(http: EngineHttp, signal?: AbortSignal): Promise<{ id: string; raw: Record<string, unknown> }[]> {
  const body = obj(await http.getJson('/v1/models', signal))
  return arr(body.data)
    .map(obj)
    .filter((m) => typeof m.id === 'string')
    .map((m) => ({ id: m.id as string, raw: m }))
}

/** A model of an OpenAI-compatible engine that reports nothing but its id (and maybe `max_model_len`). */
export const plainModel = (id: string, raw: Record<string, unknown>, caps: ModelCapabilities = CHAT_ONLY): EngineModelInfo => ({
  id,
  upstream: id,
  capabilities: caps,
  contextLength: num(raw.max_model_len) ?? num(raw.context_length) ?? DEFAULT_CONTEXT,
  quantization: str(raw.quantization) ?? 'unknown',
  sizeBytes: 0
})

/** True when a probe answered (a failed probe is no error: it only says "not this kind"). */
export async function answers(p: Promise<unknown>, test: (v: Record<string, unknown>) => boolean = () => true): Promise<boolean> {
  try {
    const v = await p
    return v !== undefined && test(obj(v))
  } catch {
    return false
  }
}
