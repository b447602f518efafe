/**
 * Validates a `POST /v1/responses` body. Like every route, the first problem becomes a 400 naming the
 * field; an input item that matches no item type is reported against the type it claims (a
 * `function_call` without `call_id` says so, instead of "invalid input").
 */
import { InvalidRequestError } from '../../errors/errors.js'
import { parseBody } from '../../http/schemas/parse-body.js'
import { FunctionCallItemSchema, FunctionCallOutputItemSchema, ItemReferenceSchema, MessageItemSchema, ReasoningItemSchema, ResponsesRequestSchema, type ResponsesRequest } from './schemas.js'

const ITEM_SCHEMAS = {
  message: MessageItemSchema,
  function_call: FunctionCallItemSchema,
  function_call_output: FunctionCallOutputItemSchema,
  reasoning: ReasoningItemSchema,
  item_reference: ItemReferenceSchema
} as const

/** Why item `i` of `input` is invalid, as a 400. */
function itemError(item: unknown, i: number): InvalidRequestError {
  const param = `input[${i}]`
  const type = typeof item === 'object' && item !== null ? ((item as { type?: unknown }).type ?? ('role' in item ? 'message' : undefined)) : undefined
  if (typeof type !== 'string') return new InvalidRequestError(`'${param}' must be an item object with a 'type' (or a message with a 'role')`, param)
  const schema = ITEM_SCHEMAS[type as keyof typeof ITEM_SCHEMAS]
  if (!schema) return new InvalidRequestError(`'${param}': input items of type '${type}' are not supported (message, function_call, function_call_output, item_reference)`, `${param}.type`)
  try {
    parseBody(schema, item)
  } catch (err) {
    if (err instanceof InvalidRequestError) {
      const sub = err.param ?? ''
      return new InvalidRequestError(`'${param}${sub ? `.${sub}` : ''}' ${err.message.replace(/^'[^']*' /, '')}`, `${param}${sub ? `.${sub.replace(/^\./, '')}` : ''}`)
    }
  }
  return new InvalidRequestError(`'${param}' is invalid`, param)
}

/** The parsed request, or a 400 naming the first bad field. */
export function parseResponsesRequest(raw: unknown): ResponsesRequest {
  const input = (raw as { input?: unknown } | null)?.input
  if (Array.isArray(input)) {
    // find a bad item first: the union's own error would only say "invalid input"
    for (const [i, item] of input.entries()) {
      const type = (item as { type?: unknown } | null)?.type ?? 'message'
      const schema = ITEM_SCHEMAS[type as keyof typeof ITEM_SCHEMAS]
      if (!schema?.safeParse(item).success) throw itemError(item, i)
    }
  }
  return parseBody(ResponsesRequestSchema, raw)
}
