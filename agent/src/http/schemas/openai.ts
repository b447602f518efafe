/**
 * zod schemas of the OpenAI-compatible request bodies; the single source of these wire types.
 * Unknown fields are accepted and ignored, as OpenAI clients send many optional ones.
 */
import { z } from 'zod'

const stop = z.union([z.string(), z.array(z.string()).max(16)]).nullish()
const temperature = z.number().min(0).max(2).nullish()
const penalty = z.number().min(-2).max(2).nullish()
const maxTokens = z.number().int().positive().nullish()

const TextPart = z.object({ type: z.literal('text'), text: z.string() })
const ImagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.union([z.string(), z.object({ url: z.string(), detail: z.string().optional() })])
})
const InputAudioPart = z.object({ type: z.literal('input_audio'), input_audio: z.object({ data: z.string(), format: z.string() }) })
export const ContentPartSchema = z.discriminatedUnion('type', [TextPart, ImagePart, InputAudioPart])

/**
 * A call in an assistant message of the history; `arguments` is JSON text, as OpenAI sends it (an object,
 * as Ollama-style clients send it, is accepted and written as JSON text).
 */
export const ToolCallSchema = z.object({
  id: z.string().max(256).default(''),
  type: z.literal('function').default('function'),
  function: z.object({
    name: z.string().min(1).max(256),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown()).transform((o) => JSON.stringify(o))])
  })
})

export const ChatMessageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(ToolCallSchema).max(128).nullish(),
  tool_call_id: z.string().max(256).optional()
})
export type ChatMessageBody = z.infer<typeof ChatMessageSchema>

/** Most choices (`n`) in one request. */
export const MAX_CHOICES = 8

/** A JSON schema: checked and reduced to what a grammar can enforce by `structured/json-schema-subset.ts`. */
const JsonSchemaObject = z.record(z.string(), z.unknown())

export const ToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'tool names are 1-64 letters, digits, _ . or -'),
    description: z.string().optional(),
    parameters: JsonSchemaObject.optional(),
    strict: z.boolean().nullish()
  })
})
export type ToolBody = z.infer<typeof ToolSchema>

export const ToolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) })
])

export const ResponseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({ name: z.string().max(64), description: z.string().optional(), schema: JsonSchemaObject.optional(), strict: z.boolean().nullish() })
  })
])

const StreamOptions = z.object({ include_usage: z.boolean().optional() }).nullish()
const common = {
  model: z.string().min(1).max(256),
  stream: z.boolean().nullish(),
  stream_options: StreamOptions,
  temperature,
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: maxTokens,
  stop,
  seed: z.number().int().nullish(),
  presence_penalty: penalty,
  frequency_penalty: penalty,
  /** Choices to generate, each on its own sequence. */
  n: z.number().int().min(1).max(MAX_CHOICES).nullish(),
  user: z.string().nullish(),
  /** llama.cpp server extension: keep generating past end-of-generation tokens. */
  ignore_eos: z.boolean().nullish()
}

export const ChatCompletionRequestSchema = z.object({
  ...common,
  messages: z.array(ChatMessageSchema).min(1),
  max_completion_tokens: maxTokens,
  tools: z.array(ToolSchema).max(128).nullish(),
  tool_choice: ToolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: ResponseFormatSchema.nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  /** Accepted for reasoning models; the thinking segment is the model's own (no budget is enforced). */
  reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high']).nullish()
})
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>

export const CompletionRequestSchema = z.object({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  echo: z.boolean().nullish(),
  /** Alternatives per token to report with each token's log-probability (legacy completions shape). */
  logprobs: z.number().int().min(0).max(5).nullish(),
  suffix: z.string().nullish()
})
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>

export const EmbeddingRequestSchema = z.object({
  model: z.string().min(1).max(256),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().positive().nullish(),
  user: z.string().nullish()
})
export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>
