/**
 * zod schemas of the OpenAI Responses API wire types (`/v1/responses`): the request body, the items of
 * `input` and `output`, the response object and its usage. The single source of these types; the
 * shapes follow the official `openai` client (6.x) so its parsers and the AI SDK's accept them.
 * Unknown request fields are accepted and ignored, as OpenAI clients send many optional ones.
 */
import { z } from 'zod'

const InputTextPart = z.object({ type: z.literal('input_text'), text: z.string() })
const OutputTextPart = z.object({ type: z.literal('output_text'), text: z.string(), annotations: z.array(z.unknown()).optional(), logprobs: z.array(z.unknown()).optional() })
const RefusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() })
const InputImagePart = z.object({ type: z.literal('input_image'), image_url: z.string().nullish(), file_id: z.string().nullish(), detail: z.string().optional() })

/** One part of a message's content, as clients send it (input or echoed output). */
export const ContentPartSchema = z.discriminatedUnion('type', [InputTextPart, OutputTextPart, RefusalPart, InputImagePart])
export type ContentPart = z.infer<typeof ContentPartSchema>

const itemStatus = z.enum(['in_progress', 'completed', 'incomplete']).optional()

/** A message item; `type` may be left out (OpenAI's "easy" input message). */
export const MessageItemSchema = z.object({
  type: z.literal('message').optional(),
  id: z.string().optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(ContentPartSchema)]),
  status: itemStatus
})

/** A call of a function tool the model made (in `output`, or sent back in `input`). */
export const FunctionCallItemSchema = z.object({
  type: z.literal('function_call'),
  id: z.string().optional(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  status: itemStatus
})

/** The result of a function call, sent by the client. */
export const FunctionCallOutputItemSchema = z.object({
  type: z.literal('function_call_output'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(ContentPartSchema)]),
  status: itemStatus.nullable()
})

/** A reasoning item echoed back by a client; it carries nothing our models need and is dropped. */
export const ReasoningItemSchema = z.object({ type: z.literal('reasoning'), id: z.string().optional(), summary: z.array(z.unknown()).optional() })

/** Every input item type this node understands, once references are resolved. */
export const InputItemSchema = z.union([MessageItemSchema, FunctionCallItemSchema, FunctionCallOutputItemSchema, ReasoningItemSchema])
export type InputItem = z.infer<typeof InputItemSchema>

/** An output item of a stored response, named instead of repeated (the AI SDK sends these with `store`). */
export const ItemReferenceSchema = z.object({ type: z.literal('item_reference'), id: z.string().min(1).max(128) })

/** An item of the request's `input`: an item, or a reference to an output item of a stored response. */
export const RequestInputItemSchema = z.union([InputItemSchema, ItemReferenceSchema])
export type RequestInputItem = z.infer<typeof RequestInputItemSchema>

/** A function tool; the only tool type served (built-in OpenAI tools need OpenAI's servers). */
export const FunctionToolSchema = z.object({
  type: z.literal('function'),
  name: z.string().min(1).max(64),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish()
})
export type FunctionTool = z.infer<typeof FunctionToolSchema>

/** `tool_choice`: a mode, or one named function. */
export const ToolChoiceSchema = z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), name: z.string().min(1) })])
export type ToolChoice = z.infer<typeof ToolChoiceSchema>

/** `text.format`: plain text, any JSON object, or JSON matching a schema. */
export const TextFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().min(1).max(64),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().nullish(),
    strict: z.boolean().nullish()
  })
])
export type TextFormat = z.infer<typeof TextFormatSchema>

/** `POST /v1/responses` body. */
export const ResponsesRequestSchema = z.object({
  model: z.string().min(1).max(256),
  input: z.union([z.string(), z.array(RequestInputItemSchema)]),
  instructions: z.string().nullish(),
  previous_response_id: z.string().min(1).max(128).nullish(),
  tools: z.array(FunctionToolSchema).nullish(),
  tool_choice: ToolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.object({ format: TextFormatSchema.optional(), verbosity: z.string().nullish() }).nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  include: z.array(z.string()).nullish(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
  store: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  background: z.boolean().nullish(),
  user: z.string().nullish(),
  /** `effort` goes to the chat path when it knows the value (`none`…`high`); newer values are ignored there. */
  reasoning: z.object({ effort: z.string().max(32).nullish(), summary: z.string().nullish() }).nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  /** llmlb extension, as on chat (llama.cpp server's): keep generating past end-of-generation tokens. */
  ignore_eos: z.boolean().nullish()
})
export type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>

/** `GET /v1/responses/{id}/input_items` query. */
export const InputItemsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
  after: z.string().optional()
})

/** The text part of an output message (no annotations are produced; logprobs when asked). */
export const OutputTextSchema = z.object({ type: z.literal('output_text'), text: z.string(), annotations: z.array(z.unknown()), logprobs: z.array(z.unknown()) })

/** An assistant message in `output`. */
export const OutputMessageSchema = z.object({
  type: z.literal('message'),
  id: z.string(),
  role: z.literal('assistant'),
  status: z.enum(['in_progress', 'completed', 'incomplete']),
  content: z.array(OutputTextSchema)
})
export type OutputMessage = z.infer<typeof OutputMessageSchema>

/** A function call in `output`: always with an item id and a status. */
export const OutputFunctionCallSchema = FunctionCallItemSchema.extend({ id: z.string(), status: z.enum(['in_progress', 'completed', 'incomplete']) })
export type OutputFunctionCall = z.infer<typeof OutputFunctionCallSchema>

/** The thinking segment of a reasoning model (its `reasoning_content` on the chat path), as reasoning text. */
export const OutputReasoningSchema = z.object({
  type: z.literal('reasoning'),
  id: z.string(),
  summary: z.array(z.unknown()),
  content: z.array(z.object({ type: z.literal('reasoning_text'), text: z.string() })),
  status: z.enum(['in_progress', 'completed', 'incomplete'])
})
export type OutputReasoning = z.infer<typeof OutputReasoningSchema>

/** Every item type a response's `output` holds. */
export const OutputItemSchema = z.discriminatedUnion('type', [OutputMessageSchema, OutputFunctionCallSchema, OutputReasoningSchema])
export type OutputItem = z.infer<typeof OutputItemSchema>

/** Token usage of a response (the chat path's usage, renamed). */
export const ResponseUsageSchema = z.object({
  input_tokens: z.number().int(),
  input_tokens_details: z.object({ cached_tokens: z.number().int() }),
  output_tokens: z.number().int(),
  output_tokens_details: z.object({ reasoning_tokens: z.number().int() }),
  total_tokens: z.number().int()
})
export type ResponseUsage = z.infer<typeof ResponseUsageSchema>

/** Where a response is in its life. */
export const ResponseStatusSchema = z.enum(['in_progress', 'completed', 'incomplete', 'failed'])
export type ResponseStatus = z.infer<typeof ResponseStatusSchema>

/** The response object (`object: "response"`), as answered, streamed in lifecycle events, and stored. */
export const ResponseObjectSchema = z.object({
  id: z.string(),
  object: z.literal('response'),
  created_at: z.number().int(),
  completed_at: z.number().int().nullable(),
  status: ResponseStatusSchema,
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  incomplete_details: z.object({ reason: z.string() }).nullable(),
  instructions: z.string().nullable(),
  max_output_tokens: z.number().int().nullable(),
  model: z.string(),
  output: z.array(OutputItemSchema),
  parallel_tool_calls: z.boolean(),
  previous_response_id: z.string().nullable(),
  reasoning: z.object({ effort: z.string().nullable(), summary: z.null() }),
  store: z.boolean(),
  temperature: z.number().nullable(),
  text: z.object({ format: TextFormatSchema }),
  tool_choice: ToolChoiceSchema,
  tools: z.array(FunctionToolSchema),
  top_p: z.number().nullable(),
  truncation: z.literal('disabled'),
  usage: ResponseUsageSchema.nullable(),
  user: z.string().nullable(),
  metadata: z.record(z.string(), z.string())
})
export type ResponseObject = z.infer<typeof ResponseObjectSchema>

/** An input item as stored and listed by `input_items`: every item has an id. */
export type StoredInputItem = InputItem & { id: string }

const seq = { sequence_number: z.number().int().nonnegative() }
const at = { item_id: z.string(), output_index: z.number().int().nonnegative() }
const part = { ...at, content_index: z.number().int().nonnegative() }

/** Every event of a streamed response, in OpenAI's shapes. */
export const ResponseStreamEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.enum(['response.created', 'response.in_progress', 'response.completed', 'response.incomplete', 'response.failed']), response: ResponseObjectSchema, ...seq }),
  z.object({ type: z.enum(['response.output_item.added', 'response.output_item.done']), output_index: z.number().int().nonnegative(), item: OutputItemSchema, ...seq }),
  z.object({ type: z.enum(['response.content_part.added', 'response.content_part.done']), ...part, part: OutputTextSchema, ...seq }),
  z.object({ type: z.literal('response.output_text.delta'), ...part, delta: z.string(), logprobs: z.array(z.unknown()), ...seq }),
  z.object({ type: z.literal('response.output_text.done'), ...part, text: z.string(), logprobs: z.array(z.unknown()), ...seq }),
  z.object({ type: z.literal('response.reasoning_text.delta'), ...part, delta: z.string(), ...seq }),
  z.object({ type: z.literal('response.reasoning_text.done'), ...part, text: z.string(), ...seq }),
  z.object({ type: z.literal('response.function_call_arguments.delta'), ...at, delta: z.string(), ...seq }),
  z.object({ type: z.literal('response.function_call_arguments.done'), ...at, name: z.string(), arguments: z.string(), ...seq })
])
export type ResponseStreamEvent = z.infer<typeof ResponseStreamEventSchema>

/** A stored response as the owner node hands it to a peer continuing its conversation (safeParsed there). */
export const StoredResponseSchema = z.object({
  response: ResponseObjectSchema,
  input: z.array(z.intersection(InputItemSchema, z.object({ id: z.string() }))),
  context: z.array(InputItemSchema),
  owner: z.string(),
  createdAt: z.number()
})

/** Body of the mesh-only `POST /api/internal/responses/items`: output item ids to resolve. */
export const ItemLookupSchema = z.object({ ids: z.array(z.string().max(128)).min(1).max(1000) })

/** Its answer: the items found among those the caller may see. */
export const ItemLookupAnswerSchema = z.object({ items: z.array(OutputItemSchema) })
