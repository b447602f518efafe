/**
 * What a chat request asks of the output beyond text: tools to present and how calls are made
 * (`tool_choice`, `parallel_tool_calls`), JSON output (`response_format`), log-probabilities. Checked
 * here, at the node that receives the request and again at the node that serves it, so a bad request
 * is a 400 wherever it lands.
 */
import type { ToolDefinition, ToolUse } from '../../../native-runtime/src/index.js'
import { InvalidRequestError } from '../errors/errors.js'
import type { ChatCompletionRequest } from '../http/schemas/openai.js'
import { ANY_OBJECT, grammarSchema } from './json-schema-subset.js'

export interface ChatOptions {
  /** Tools the template presents (none when `tool_choice` is `none`). */
  tools?: ToolDefinition[]
  toolUse?: ToolUse
  /** Grammar-ready schema the answer must match. */
  jsonSchema?: Record<string, unknown>
  /** Alternatives per token with logprobs (0: the chosen token only); absent: no logprobs. */
  logprobs?: number
}

export function chatOptions(body: ChatCompletionRequest): ChatOptions {
  const out: ChatOptions = {}
  const tools = body.tools ?? []
  const choice = body.tool_choice ?? (tools.length > 0 ? 'auto' : 'none')
  if (choice !== 'none' && choice !== 'auto' && tools.length === 0) {
    throw new InvalidRequestError("'tool_choice' needs 'tools' to choose from", 'tool_choice')
  }
  if (choice !== 'none' && tools.length > 0) {
    out.tools = tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description === undefined ? {} : { description: t.function.description }),
      ...(t.function.parameters === undefined ? {} : { parameters: t.function.parameters })
    }))
    const parallel = body.parallel_tool_calls ?? true
    if (choice === 'auto') out.toolUse = { mode: 'auto', parallel }
    else {
      const named = typeof choice === 'object' ? choice.function.name : null
      const picked = tools.flatMap((t, i) => (named === null || t.function.name === named ? [{ t, i }] : []))
      if (picked.length === 0) {
        throw new InvalidRequestError(`'tool_choice' names the tool '${named ?? ''}', which is not in 'tools' (${tools.map((t) => t.function.name).join(', ')})`, 'tool_choice')
      }
      const allowed = picked.map(({ t, i }) => ({ name: t.function.name, schema: t.function.parameters === undefined ? ANY_OBJECT : grammarSchema(t.function.parameters, `tools[${i}].function.parameters`) }))
      out.toolUse = { mode: 'required', allowed, parallel }
    }
  }
  const format = body.response_format
  if (format?.type === 'json_object') out.jsonSchema = ANY_OBJECT
  else if (format?.type === 'json_schema') {
    if (format.json_schema.schema === undefined) throw new InvalidRequestError("'response_format.json_schema.schema' is required", 'response_format.json_schema.schema')
    out.jsonSchema = grammarSchema(format.json_schema.schema, 'response_format.json_schema.schema')
  }
  if (body.top_logprobs != null && body.logprobs !== true) throw new InvalidRequestError("'top_logprobs' needs 'logprobs': true", 'top_logprobs')
  if (body.logprobs === true) out.logprobs = body.top_logprobs ?? 0
  return out
}
