/**
 * zod schemas of the Anthropic Messages API request bodies (`POST /v1/messages`,
 * `POST /v1/messages/count_tokens`): the single source of these wire types and of their OpenAPI
 * entries. Unknown fields are accepted and ignored, as the official SDKs send optional ones.
 */
import { z } from 'zod'

const CacheControl = z.unknown().optional()

/** A text block. */
export const TextBlockSchema = z.object({ type: z.literal('text'), text: z.string(), cache_control: CacheControl })

/** An image block: base64 data with its media type, or a URL. */
export const ImageBlockSchema = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string() }),
    z.object({ type: z.literal('url'), url: z.string().min(1) })
  ]),
  cache_control: CacheControl
})

/** An assistant's tool call (sent back in multi-turn conversations). */
export const ToolUseBlockSchema = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: CacheControl
})

/** A tool's result, in a user turn. */
export const ToolResultBlockSchema = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [TextBlockSchema, ImageBlockSchema]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: CacheControl
})

/** A previous answer's reasoning, sent back by clients in multi-turn conversations: not part of the prompt. */
const ThinkingBlockSchema = z.object({ type: z.enum(['thinking', 'redacted_thinking']) })

/** Any content block of a message. */
export const ContentBlockSchema = z.discriminatedUnion('type', [TextBlockSchema, ImageBlockSchema, ToolUseBlockSchema, ToolResultBlockSchema, ThinkingBlockSchema])
export type ContentBlock = z.infer<typeof ContentBlockSchema>

/** One turn of the conversation. */
export const MessageParamSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(ContentBlockSchema)])
})
export type MessageParam = z.infer<typeof MessageParamSchema>

/** A tool the model may call: its JSON-schema input. */
export const ToolSchema = z.object({
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
  type: z.string().optional(),
  cache_control: CacheControl
})

/** How the model uses the tools: auto, any, one named tool, or none. */
export const ToolChoiceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('none') })
])

const System = z.union([z.string(), z.array(TextBlockSchema)])

/** `POST /v1/messages/count_tokens`: what the prompt of a Messages request would be. */
export const CountTokensRequestSchema = z.object({
  model: z.string().min(1).max(256),
  messages: z.array(MessageParamSchema).min(1),
  system: System.optional(),
  tools: z.array(ToolSchema).optional(),
  tool_choice: ToolChoiceSchema.optional()
})
export type CountTokensRequest = z.infer<typeof CountTokensRequestSchema>

/** `POST /v1/messages`. `max_tokens` is required, as Anthropic requires it. */
export const MessagesRequestSchema = CountTokensRequestSchema.extend({
  max_tokens: z.number().int().positive(),
  stop_sequences: z.array(z.string()).max(16).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  stream: z.boolean().optional(),
  metadata: z.object({ user_id: z.string().nullish() }).optional()
})
export type MessagesRequest = z.infer<typeof MessagesRequestSchema>

/** Headers Anthropic clients send; `anthropic-version` is accepted whatever its value. */
export const AnthropicHeadersSchema = z.object({
  'x-api-key': z.string().optional(),
  'anthropic-version': z.string().optional()
})
