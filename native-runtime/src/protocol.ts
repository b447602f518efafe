/**
 * The IPC protocol between the agent (parent) and the runtime child, as zod schemas: the single source of
 * truth for every message, with types from `z.infer`. Messages travel over Node's `child_process` IPC
 * channel (JSON serialisation). Both sides `safeParse` what they receive and drop (and count) what does
 * not parse; nothing inbound is ever thrown. See specs/runtime-protocol.md.
 */
import { z } from 'zod'

/** Version of this protocol; the child reports it in `ready` and the parent refuses a mismatch. */
export const PROTOCOL_VERSION = 1

/** Longest prompt text or message content accepted (characters, ~16 MiB). */
export const MAX_TEXT_CHARS = 16 * 1024 * 1024
/** Most chat messages in one prompt. */
export const MAX_MESSAGES = 10_000
/** Most stop strings per request, and their longest length (characters). */
export const MAX_STOP_STRINGS = 16
export const MAX_STOP_CHARS = 1_024
/** Most inputs in one embeddings request. */
export const MAX_EMBED_INPUTS = 4_096

const requestId = z.number().int().nonnegative()
const modelId = z.string().min(1).max(512)
const count = z.number().int().nonnegative()

/** An error crossing the boundary; rebuilt into the typed classes by `errorFromWire`. */
export const wireErrorSchema = z.object({
  code: z.string().min(1).max(128),
  message: z.string().max(8_192),
  param: z.string().max(256).nullable()
})

/** Most tools in one request, and most tool calls in one assistant message. */
export const MAX_TOOLS = 128
export const MAX_TOOL_CALLS = 128
/** Most alternatives returned per token with logprobs (OpenAI's limit). */
export const MAX_TOP_LOGPROBS = 20

const toolName = z.string().min(1).max(256)
/** A JSON schema as a plain object (checked by the agent before it is sent). */
const jsonSchema = z.record(z.string(), z.unknown())

export const toolCallSchema = z.object({ id: z.string().max(256), name: toolName, arguments: z.string().max(MAX_TEXT_CHARS) })

/** Most images in one prompt, and the largest image (base64 characters, ~20 MiB of bytes). */
export const MAX_IMAGES = 16
export const MAX_IMAGE_BASE64_CHARS = 28 * 1024 * 1024

/** An image inside a message: its bytes (base64) and where in `content` it sits. */
export const chatImageSchema = z.object({
  /** Character offset in the message's `content` at which the image appears. */
  at: z.number().int().nonnegative(),
  mime: z.string().regex(/^image\/[a-z0-9.+-]+$/).max(64),
  data: z.string().min(1).max(MAX_IMAGE_BASE64_CHARS)
})

export const chatMessageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.string().max(MAX_TEXT_CHARS),
  /** Calls an assistant message made. */
  toolCalls: z.array(toolCallSchema).max(MAX_TOOL_CALLS).optional(),
  /** The call a `tool` message answers. */
  toolCallId: z.string().max(256).optional(),
  /** Images of a user message (only a model with a projector takes them). */
  images: z.array(chatImageSchema).max(MAX_IMAGES).optional()
})

export const toolDefinitionSchema = z.object({ name: toolName, description: z.string().max(MAX_TEXT_CHARS).optional(), parameters: jsonSchema.optional() })

export const promptInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string().max(MAX_TEXT_CHARS) }),
  z.object({
    kind: z.literal('chat'),
    messages: z.array(chatMessageSchema).min(1).max(MAX_MESSAGES),
    /** Tools the template renders into the prompt. */
    tools: z.array(toolDefinitionSchema).max(MAX_TOOLS).optional()
  })
])

/** How the output is constrained and read. */
export const toolUseSchema = z.object({
  /** `auto`: parse calls the model chooses to make; `required`: force at least one call (grammar). */
  mode: z.enum(['auto', 'required']),
  /** With `required`: the tools a forced call may use, with their (grammar-ready) argument schemas. */
  allowed: z.array(z.object({ name: toolName, schema: jsonSchema })).max(MAX_TOOLS).optional(),
  /** More than one call per answer. */
  parallel: z.boolean()
})

export const generateParamsSchema = z.object({
  maxTokens: z.number().int().min(1).optional(),
  temperature: z.number().min(0).max(100).optional(),
  topP: z.number().gt(0).max(1).optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string().max(MAX_STOP_CHARS)).max(MAX_STOP_STRINGS).optional(),
  presencePenalty: z.number().min(-2).max(2).optional(),
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  ignoreEos: z.boolean().optional(),
  /** Tool calling: parse (and with `required`, force) calls. */
  tools: toolUseSchema.optional(),
  /** Constrain the answer to JSON matching this (grammar-ready) schema. */
  jsonSchema: jsonSchema.optional(),
  /** Report each token's log-probability and this many alternatives (0: the chosen token only). */
  logprobs: z.number().int().min(0).max(MAX_TOP_LOGPROBS).optional()
})

export const modelSpecSchema = z.object({
  id: modelId,
  path: z.string().min(1).max(4_096),
  slots: z.number().int().min(1).max(256).optional(),
  contextSize: z.number().int().min(16).optional(),
  /** Multimodal projector GGUF: the model is served by the multimodal child kind. */
  mmproj: z.string().min(1).max(4_096).optional()
})

/** The child's settings, passed as its single command-line argument (JSON). */
export const childInitSchema = z.object({
  threads: z.number().int().min(1).max(1_024),
  /** Map the model files (llama.cpp's default) rather than read them into memory. */
  mmap: z.boolean().default(true),
  gpu: z.union([z.literal(false), z.enum(['auto', 'cuda', 'vulkan', 'metal'])]),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']),
  parentPid: z.number().int().positive()
})

export const modelCapabilitiesSchema = z.object({
  chat: z.boolean(),
  completion: z.boolean(),
  embeddings: z.boolean(),
  tools: z.boolean(),
  vision: z.boolean(),
  transcription: z.boolean().optional(),
  speech: z.boolean().optional(),
  imageGeneration: z.boolean().optional()
})

/** What the child learns about a model when it loads it (the static part of `ModelStatus`). */
export const modelInfoSchema = z.object({
  contextLength: count,
  contextSize: count,
  capabilities: modelCapabilitiesSchema,
  hasChatTemplate: z.boolean(),
  sizeBytes: count,
  quantization: z.string().max(64),
  architecture: z.string().max(128),
  slotsTotal: count
})

// ---- parent -> child: requests, each with an id unique per child ----

export const loadRequestSchema = z.object({ type: z.literal('load'), id: requestId, spec: modelSpecSchema })
export const unloadRequestSchema = z.object({ type: z.literal('unload'), id: requestId, model: modelId })
export const generateRequestSchema = z.object({
  type: z.literal('generate'),
  id: requestId,
  model: modelId,
  prompt: promptInputSchema,
  params: generateParamsSchema
})
/** Cancels the generation whose request id is `id`. No reply; the generation sends nothing more. */
export const cancelRequestSchema = z.object({ type: z.literal('cancel'), id: requestId })
export const embedRequestSchema = z.object({
  type: z.literal('embed'),
  id: requestId,
  model: modelId,
  inputs: z.array(z.string().max(MAX_TEXT_CHARS)).min(1).max(MAX_EMBED_INPUTS)
})
export const countTokensRequestSchema = z.object({
  type: z.literal('countTokens'),
  id: requestId,
  model: modelId,
  prompt: promptInputSchema
})
export const shutdownRequestSchema = z.object({ type: z.literal('shutdown'), id: requestId })

export const parentMessageSchema = z.discriminatedUnion('type', [
  loadRequestSchema,
  unloadRequestSchema,
  generateRequestSchema,
  cancelRequestSchema,
  embedRequestSchema,
  countTokensRequestSchema,
  shutdownRequestSchema
])

/** Schema of the `result` payload for each request type that gets one. */
export const resultSchemas = {
  load: modelInfoSchema,
  unload: z.null(),
  embed: z.object({ vectors: z.array(z.array(z.number())), promptTokens: count }),
  countTokens: z.object({ tokens: count }),
  shutdown: z.null()
} as const

// ---- child -> parent ----

const alternative = z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number().int()) })
/** A generated token's log-probability, and the most likely alternatives at its position. */
export const tokenLogprobSchema = alternative.extend({ top: z.array(alternative) })

export const generationEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), promptTokens: count }),
  z.object({
    type: z.literal('text'),
    text: z.string(),
    tokens: count,
    /** `reasoning`: part of the model's thinking segment, not of the answer. */
    channel: z.literal('reasoning').optional(),
    logprobs: z.array(tokenLogprobSchema).optional()
  }),
  /** A complete tool call found in the output. */
  z.object({ type: z.literal('toolCall'), name: toolName, arguments: z.string() }),
  z.object({
    type: z.literal('end'),
    finishReason: z.enum(['stop', 'length', 'tool_calls']),
    promptTokens: count,
    /** Prompt tokens found already evaluated in the slot's KV cache (a shared prefix), not evaluated again. */
    cachedTokens: count.optional(),
    completionTokens: count,
    durationMs: z.number().nonnegative(),
    /** Time from the first sampled token to the last one (ms): decoding without the prompt. */
    decodeMs: z.number().nonnegative(),
    /** Single-token decode steps within `decodeMs` (tokens sampled after the first, EOG included). */
    decodeTokens: count
  }),
  z.object({ type: z.literal('error'), error: wireErrorSchema })
])

export const childMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    protocol: z.number().int(),
    pid: z.number().int(),
    /** GPU backend in use (`cuda`, `vulkan`, `metal`) or false for CPU. */
    gpu: z.union([z.literal(false), z.string().max(32)]),
    threads: z.number().int()
  }),
  /** The child could not start (e.g. no usable llama.cpp binary); it exits right after. */
  z.object({ type: z.literal('fatal'), error: wireErrorSchema }),
  z.object({ type: z.literal('result'), id: requestId, result: z.unknown() }),
  z.object({ type: z.literal('error'), id: requestId, error: wireErrorSchema }),
  z.object({ type: z.literal('generation'), id: requestId, event: generationEventSchema }),
  z.object({
    type: z.literal('model'),
    model: modelId,
    state: z.enum(['loading', 'loaded', 'failed', 'unloaded']),
    error: z.string().max(8_192).optional()
  }),
  z.object({ type: z.literal('log'), level: z.enum(['error', 'warn', 'info', 'debug']), msg: z.string().max(8_192) })
])

export type WireError = z.infer<typeof wireErrorSchema>
export type ChatImage = z.infer<typeof chatImageSchema>
export type ChildInit = z.infer<typeof childInitSchema>
export type ModelInfo = z.infer<typeof modelInfoSchema>
export type ParentMessage = z.infer<typeof parentMessageSchema>
export type ChildMessage = z.infer<typeof childMessageSchema>
export type WireGenerationEvent = z.infer<typeof generationEventSchema>
export type ResultType = keyof typeof resultSchemas
export type ResultOf<K extends ResultType> = z.infer<(typeof resultSchemas)[K]>
export type LoadRequest = z.infer<typeof loadRequestSchema>
export type GenerateRequest = z.infer<typeof generateRequestSchema>
export type EmbedRequest = z.infer<typeof embedRequestSchema>
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>

/**
 * Parses inbound messages of one schema. Invalid ones are dropped: `parse` returns undefined, `invalid`
 * counts them, and `onInvalid` (if given) hears about each one, for a log line.
 */
export class InboundParser<T> {
  /** Messages dropped because they did not match the schema. */
  invalid = 0
  constructor(
    private readonly schema: z.ZodType<T>,
    private readonly onInvalid?: (issue: string) => void
  ) {}

  parse(raw: unknown): T | undefined {
    const r = this.schema.safeParse(raw)
    if (r.success) return r.data
    this.invalid++
    this.onInvalid?.(r.error.issues[0]?.message ?? 'invalid message')
    return undefined
  }
}
