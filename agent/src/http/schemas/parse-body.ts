/**
 * Validates a request body against a schema and turns the first problem into an OpenAI-style
 * 400 whose `param` names the field (e.g. `messages[0].role`).
 */
import type { z } from 'zod'
import { InvalidJsonError, InvalidRequestError } from '../../errors/errors.js'

function paramOf(path: readonly PropertyKey[]): string | null {
  if (path.length === 0) return null
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '')
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object', null)
  }
  const r = schema.safeParse(body)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  const param = paramOf(issue?.path ?? [])
  const what = issue?.code === 'invalid_type' && issue.input === undefined ? 'is required' : `is invalid: ${issue?.message ?? ''}`
  throw new InvalidRequestError(`'${param ?? 'body'}' ${what}`.trim(), param)
}

/** A JSON body as bytes (a forwarded request's), parsed; malformed JSON is the usual `invalid_json` 400. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch (err) {
    throw new InvalidJsonError((err as Error).message)
  }
}
