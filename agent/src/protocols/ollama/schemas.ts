/**
 * zod schemas of the Ollama API request bodies (`/api/chat`, `/api/generate`, `/api/embed`,
 * `/api/embeddings`, `/api/show`, `/api/pull|delete|copy`): the single source of these wire types
 * and of their OpenAPI entries. Unknown fields (`keep_alive`, `think`, …) are accepted and ignored.
 */
import { z } from 'zod'

/** Model options; those without an equivalent here (`num_ctx`: the context is the node's) are ignored. */
export const OptionsSchema = z.object({
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().optional(),
  num_predict: z.number().int().optional(),
  stop: z.array(z.string()).max(16).optional(),
  seed: z.number().int().optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  num_ctx: z.number().int().optional()
})
export type Options = z.infer<typeof OptionsSchema>

/** `"json"`, or a JSON schema the answer must follow. */
export const FormatSchema = z.union([z.literal('json'), z.literal(''), z.record(z.string(), z.unknown())])

const ToolCallSchema = z.object({
  function: z.object({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()).optional() })
})

/** One message of `/api/chat`. */
export const ChatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().default(''),
  /** Base64-encoded images (no data-URL prefix). */
  images: z.array(z.string()).nullish(),
  tool_calls: z.array(ToolCallSchema).nullish(),
  tool_name: z.string().optional()
})
export type OllamaChatMessage = z.infer<typeof ChatMessageSchema>

const ToolSchema = z.object({
  type: z.literal('function').default('function'),
  function: z.object({ name: z.string().min(1), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() })
})

const common = {
  model: z.string().min(1).max(256),
  format: FormatSchema.optional(),
  options: OptionsSchema.optional(),
  /** Streams NDJSON unless `false`. */
  stream: z.boolean().optional(),
  keep_alive: z.union([z.string(), z.number()]).optional()
}

/** `POST /api/chat`. */
export const ChatRequestSchema = z.object({
  ...common,
  messages: z.array(ChatMessageSchema).default([]),
  tools: z.array(ToolSchema).optional()
})
export type OllamaChatRequest = z.infer<typeof ChatRequestSchema>

/** `POST /api/generate`. */
export const GenerateRequestSchema = z.object({
  ...common,
  prompt: z.string().default(''),
  system: z.string().optional(),
  images: z.array(z.string()).nullish(),
  suffix: z.string().optional(),
  raw: z.boolean().optional()
})
export type OllamaGenerateRequest = z.infer<typeof GenerateRequestSchema>

/** `POST /api/embed`. */
export const EmbedRequestSchema = z.object({
  model: z.string().min(1).max(256),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  truncate: z.boolean().optional(),
  dimensions: z.number().int().positive().optional(),
  options: OptionsSchema.optional(),
  keep_alive: z.union([z.string(), z.number()]).optional()
})
export type OllamaEmbedRequest = z.infer<typeof EmbedRequestSchema>

/** The older single-input embeddings request. */
export const EmbeddingsRequestSchema = z.object({
  model: z.string().min(1).max(256),
  prompt: z.string(),
  options: OptionsSchema.optional(),
  keep_alive: z.union([z.string(), z.number()]).optional()
})

/** `POST /api/show` (`name` is the older spelling of `model`). */
export const ShowRequestSchema = z.object({ model: z.string().min(1).max(256).optional(), name: z.string().min(1).max(256).optional(), verbose: z.boolean().optional() })

/** `POST /api/pull`: `model` is a Hugging Face repo (`hf.co/org/repo:QUANT`) or a catalog name. */
export const PullRequestSchema = z.object({ model: z.string().max(512).optional(), name: z.string().max(512).optional(), insecure: z.boolean().optional(), stream: z.boolean().optional() })
/** `DELETE /api/delete`. */
export const DeleteRequestSchema = z.object({ model: z.string().max(256).optional(), name: z.string().max(256).optional() })
/** `POST /api/copy`: `destination` becomes an alias of `source`. */
export const CopyRequestSchema = z.object({ source: z.string().min(1).max(256), destination: z.string().min(1).max(256) })
