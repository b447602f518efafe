/**
 * Public contracts of the native runtime. The agent talks only to these; it never sees
 * node-llama-cpp, slots or sequences, and the runtime never sees OpenAI shapes.
 */

/** A model the runtime should serve. */
export interface ModelSpec {
  /** Stable id clients use in `model` (default: file name without `.gguf`). */
  id: string
  /** Absolute path of the GGUF file. */
  path: string
  /** Parallel sequences (slots) to run for this model. @default DEFAULT_SLOTS */
  slots?: number
  /** Context size per slot in tokens (capped at the model's trained context). @default DEFAULT_CONTEXT_SIZE */
  contextSize?: number
  /**
   * Absolute path of the model's multimodal projector (`mmproj*.gguf`). A model with one is served by the
   * multimodal child kind (llama.cpp with libmtmd) and takes images.
   */
  mmproj?: string
}

/** What a model can do; advertised to clients and to the mesh. */
export interface ModelCapabilities {
  chat: boolean
  completion: boolean
  embeddings: boolean
  tools: boolean
  vision: boolean
  /** Speech to text (a whisper.cpp model in the audio child). Absent means false. */
  transcription?: boolean
  /** Text to speech. Absent means false. */
  speech?: boolean
  /** Image generation (served by an engine or a cloud provider, never the native runtime). Absent means false. */
  imageGeneration?: boolean
}

export type ModelLoadState = 'loading' | 'loaded' | 'failed' | 'unloaded'

/** Live view of one model. Cheap to read (no IPC): the runtime caches it. */
export interface ModelStatus {
  id: string
  path: string
  state: ModelLoadState
  /** Why loading failed, when `state === 'failed'`. */
  error?: string
  /** Trained context length from the GGUF (tokens). */
  contextLength: number
  /** Context available to one request (tokens). */
  contextSize: number
  capabilities: ModelCapabilities
  /** True when the GGUF has a chat template; otherwise the documented fallback template is used. */
  hasChatTemplate: boolean
  /** File size in bytes. */
  sizeBytes: number
  /** e.g. `F32`, `Q4_K_M`. */
  quantization: string
  /** Architecture from `general.architecture`. */
  architecture: string
  slotsTotal: number
  slotsBusy: number
  /** Generation speed, exponential moving average over recent requests (tokens/s); 0 before the first. */
  tokensPerSecond: number
  /** Speech models: the voices a request may name. */
  voices?: string[]
}

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool'

/** A tool call an assistant message made; `arguments` is JSON text. */
export interface ToolCall {
  id: string
  name: string
  arguments: string
}

/** A chat message already reduced to text by the HTTP layer. */
export interface ChatMessage {
  role: ChatRole
  content: string
  /** Calls an assistant message made. */
  toolCalls?: ToolCall[]
  /** The call a `tool` message answers. */
  toolCallId?: string
  /** Images of the message, each at a character offset of `content` (vision models only). */
  images?: ChatImage[]
}

/** An image's bytes (base64, `mime` an `image/*` type) placed at character `at` of a message's content. */
export interface ChatImage {
  at: number
  mime: string
  data: string
}

/** A function the model may call; `parameters` is a JSON schema. */
export interface ToolDefinition {
  name: string
  description?: string
  parameters?: Record<string, unknown>
}

/**
 * The prompt: either raw text (completions) or chat messages the runtime renders with the model's
 * template, with the tools the template should present.
 */
export type PromptInput = { kind: 'text'; text: string } | { kind: 'chat'; messages: ChatMessage[]; tools?: ToolDefinition[] }

/** Tool calling for one generation. */
export interface ToolUse {
  /** `auto`: parse the calls the model chooses to make; `required`: force at least one call by grammar. */
  mode: 'auto' | 'required'
  /** With `required`: the tools a forced call may use, with grammar-ready argument schemas. */
  allowed?: { name: string; schema: Record<string, unknown> }[]
  /** More than one call per answer. */
  parallel: boolean
}

/** One generated token's log-probability and the most likely alternatives at its position. */
export interface TokenLogprob {
  token: string
  logprob: number
  bytes: number[]
  top: { token: string; logprob: number; bytes: number[] }[]
}

/** Sampling and stopping parameters; all optional, runtime defaults apply. */
export interface GenerateParams {
  /** Upper bound on generated tokens. @default the remaining context */
  maxTokens?: number
  /** @default 0.8 */
  temperature?: number
  topP?: number
  seed?: number
  /** Stop strings; generation ends before the first occurrence and it is not emitted. */
  stop?: string[]
  presencePenalty?: number
  frequencyPenalty?: number
  /** Keep generating past end-of-generation tokens (llama.cpp's `ignore_eos`): fixed-length output for benchmarks and tests. */
  ignoreEos?: boolean
  /** Tool calling: parse (and with `required`, force) calls. */
  tools?: ToolUse
  /** Constrain the answer to JSON matching this grammar-ready JSON schema. */
  jsonSchema?: Record<string, unknown>
  /** Report log-probabilities with this many alternatives per token (0: the chosen token only). */
  logprobs?: number
}

/** One unit of work for the runtime. */
export interface GenerationTask {
  model: string
  prompt: PromptInput
  params: GenerateParams
}

export type FinishReason = 'stop' | 'length' | 'tool_calls'

/**
 * Events of one generation, in order: one `start`, any number of `text` (answer text, or with
 * `channel: 'reasoning'` the model's thinking) and `toolCall`, one `end`.
 */
export type GenerationEvent =
  | { type: 'start'; promptTokens: number }
  | { type: 'text'; text: string; tokens: number; channel?: 'reasoning'; logprobs?: TokenLogprob[] }
  | { type: 'toolCall'; name: string; arguments: string }
  | { type: 'end'; finishReason: FinishReason; promptTokens: number; completionTokens: number; durationMs: number; cachedTokens?: number }

/** Result of an embeddings call. */
export interface EmbeddingResult {
  vectors: number[][]
  promptTokens: number
}

export interface AbortOptions {
  signal?: AbortSignal
}

/** Events a runtime emits for observers (logs, metrics, dashboard, gossip). */
export interface RuntimeEvents {
  /** Model list or a model's state changed. */
  'models:change': CustomEvent<ModelStatus[]>
  /** The child process died; in-flight work failed. Detail: exit code or signal. */
  'runtime:crash': CustomEvent<{ code: number | null; signal: string | null }>
  /** The child is running again and models were reloaded. */
  'runtime:restart': CustomEvent<{ restarts: number }>
}

/**
 * The native inference runtime. `start()` spawns the supervised child, `stop()` ends it.
 * Errors are the typed errors of `./errors.ts`.
 */
export interface InferenceRuntime extends EventTarget {
  start(): Promise<void>
  stop(): Promise<void>
  /** Cached status of every model. */
  models(): ModelStatus[]
  /** True while the child is up and healthy. */
  isUp(): boolean
  /** Number of times the child was restarted after a crash. */
  restarts(): number
  /** Loads a model (resolves when loaded; rejects with ModelLoadError). Loading an id again replaces it. */
  load(spec: ModelSpec, options?: AbortOptions): Promise<ModelStatus>
  unload(id: string, options?: AbortOptions): Promise<void>
  /**
   * Generates. The caller must hold a slot (the agent's admission queue guarantees at most
   * `slotsTotal` concurrent generations per model). Aborting `signal` stops generation and frees the slot at once.
   * Throws ModelNotFoundError, ContextOverflowError (prompt + 1 > context), RuntimeUnavailableError.
   */
  generate(task: GenerationTask, options?: AbortOptions): AsyncIterable<GenerationEvent>
  /** Embeds each input; throws ContextOverflowError for an input longer than the context. */
  embed(model: string, inputs: string[], options?: AbortOptions): Promise<EmbeddingResult>
  /** Token count of `prompt` as the model would see it (chat prompts rendered with the template). */
  countTokens(model: string, prompt: PromptInput, options?: AbortOptions): Promise<number>
}
