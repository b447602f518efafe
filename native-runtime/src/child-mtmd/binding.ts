/**
 * The part of `@fugood/llama.node` (llama.cpp with libmtmd) this child uses, typed here because the
 * package ships TypeScript sources but no declarations. Loaded with `require` so that a missing or
 * broken package is a clear start failure of this child only.
 */
import { createRequire } from 'node:module'

export interface MtmdCompletionOptions {
  prompt: string
  media_paths?: string[]
  n_predict?: number
  temperature?: number
  top_p?: number
  seed?: number
  stop?: string[]
  penalty_present?: number
  penalty_freq?: number
  ignore_eos?: boolean
  /** The binding turns a JSON schema into a grammar only through `response_format` (its `json_schema` option is ignored). */
  response_format?: { type: 'json_schema'; json_schema: { schema: Record<string, unknown> } }
}

export interface MtmdCompletionResult {
  text: string
  stopped_eos: boolean
  stopped_limit: boolean
  stopped_word: boolean
  context_full: boolean
  tokens_evaluated: number
  tokens_predicted: number
}

export interface MtmdQueuedCompletion {
  requestId: number
  promise: Promise<MtmdCompletionResult>
  stop: () => void
}

export interface MtmdContext {
  getModelInfo(): { size: number; nEmbd: number; metadata: Record<string, string>; chatTemplates: { llamaChat: boolean; jinja: { default: boolean } } }
  getFormattedChat(
    messages: { role: string; content: string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[] }[],
    template?: string,
    params?: { jinja?: boolean; add_generation_prompt?: boolean }
  ): string | { prompt: string; media_paths?: string[] }
  tokenize(text: string, options?: { media_paths?: string[] }): Promise<{ tokens: Int32Array; has_media: boolean }>
  initMultimodal(options: { path: string; use_gpu?: boolean }): boolean
  getMultimodalSupport(): { vision: boolean; audio: boolean }
  parallel: {
    enable(config: { n_parallel: number; n_batch?: number }): Promise<boolean>
    completion(options: MtmdCompletionOptions, onToken?: (requestId: number, data: { token: string }) => void): Promise<MtmdQueuedCompletion>
  }
  release(): Promise<void>
}

/** The binding's builds: `default` (CPU), or a GPU build whose `@fugood/node-llama-*` package is installed. */
export type MtmdVariant = 'default' | 'cuda' | 'vulkan'

export interface MtmdModule {
  loadModel(options: { model: string; n_ctx: number; n_batch?: number; n_threads: number; n_gpu_layers: number; n_parallel: number; use_mmap?: boolean; lib_variant?: MtmdVariant }): Promise<MtmdContext>
  isLibVariantAvailable(variant?: MtmdVariant): Promise<boolean>
}

/** Loads the binding; throws (with the package's reason) when it is not installed or does not load. */
export function loadBinding(): MtmdModule {
  const require = createRequire(import.meta.url)
  return require('@fugood/llama.node') as MtmdModule
}
