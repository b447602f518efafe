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

export const ChatMessageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(z.unknown()).optional(),
  tool_call_id: z.string().optional()
})
export type ChatMessageBody = z.infer<typeof ChatMessageSchema>

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
  n: z.literal(1).nullish(),
  user: z.string().nullish(),
  /** llama.cpp server extension: keep generating past end-of-generation tokens. */
  ignore_eos: z.boolean().nullish()
}

export const ChatCompletionRequestSchema = z.object({
  ...common,
  messages: z.array(ChatMessageSchema).min(1),
  max_completion_tokens: maxTokens,
  tools: z.array(z.unknown()).nullish(),
  tool_choice: z.unknown().optional()
})
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>

export const CompletionRequestSchema = z.object({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  echo: z.boolean().nullish(),
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
