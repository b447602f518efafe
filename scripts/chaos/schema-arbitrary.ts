/**
 * fast-check values from the JSON Schemas of the OpenAPI document (what zod emits: type, enum, anyOf,
 * properties/required, items, bounds). Mostly values the schema allows, so fuzzing gets past the first
 * check into the handlers; now and then a value of the wrong shape at any depth, and edge numbers
 * (the bounds, one past them) so limits are exercised. Field names listed in `hints` draw from known
 * values too (a real model id reaches the runtime, a made-up one the not-found paths).
 */
import fc from 'fast-check'

export interface JsonSchema {
  type?: string | string[]
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minItems?: number
  maxItems?: number
}

/** Values to mix in for fields of these names. */
export type Hints = Record<string, readonly unknown[]>

const MAX_DEPTH = 5
/** Integers are drawn small (a valid max_tokens or n must not make one case run for minutes). */
const SMALL_INT = 64
const I32_MIN = -(2 ** 31)
const I32_MAX = 2 ** 31 - 1

const junk = (): fc.Arbitrary<unknown> => fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, '', -1, 1e308, '\u0000', '💥'.repeat(3), [], {}))

function intArb(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lo = s.minimum ?? (s.exclusiveMinimum === undefined ? -SMALL_INT : s.exclusiveMinimum + (integer ? 1 : 0))
  const hi = s.maximum ?? (s.exclusiveMaximum === undefined ? Number.MAX_SAFE_INTEGER : s.exclusiveMaximum - (integer ? 1 : 0))
  const smallHi = Math.min(hi, Math.max(lo, 0) + SMALL_INT)
  // fc.integer draws 32-bit values; the edges below cover the rest
  const min = Math.min(Math.max(lo, I32_MIN), I32_MAX)
  const small = integer ? fc.integer({ min, max: Math.max(min, Math.min(smallHi, I32_MAX)) }) : fc.double({ min: lo, max: Math.max(lo, smallHi), noNaN: true })
  // the edges: both bounds, one past each
  return fc.oneof({ weight: 6, arbitrary: small }, { weight: 1, arbitrary: fc.constantFrom(lo, hi, lo - 1, hi + 1) })
}

function typed(type: string, s: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40) })
    case 'integer':
    case 'number':
      return intArb(s, type === 'integer')
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array':
      return fc.array(valueOf(s.items ?? {}, hints, depth + 1), { minLength: Math.min(s.minItems ?? 0, 4), maxLength: Math.min(Math.max(s.minItems ?? 0, 3), s.maxItems ?? 3) })
    case 'object':
      return objectOf(s, hints, depth)
    default:
      return junk()
  }
}

function objectOf(s: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  const props = s.properties ?? {}
  const model: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [k, v] of Object.entries(props)) {
    const hinted = hints[k]
    model[k] = hinted && hinted.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...hinted) }, { weight: 1, arbitrary: valueOf(v, hints, depth + 1) }) : valueOf(v, hints, depth + 1)
  }
  const required = (s.required ?? []).filter((k) => k in props)
  return fc.record(model, { requiredKeys: required })
}

/** A value for `schema`: mostly valid, sometimes not. */
export function valueOf(schema: JsonSchema, hints: Hints = {}, depth = 0): fc.Arbitrary<unknown> {
  if (depth > MAX_DEPTH) return junk()
  const valid = validOf(schema, hints, depth)
  return fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: junk() })
}

function validOf(s: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const)
  if (s.enum && s.enum.length > 0) return fc.constantFrom(...s.enum)
  const alternatives = s.anyOf ?? s.oneOf
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((a) => valueOf(a, hints, depth + 1)))
  if (s.allOf && s.allOf.length > 0) return valueOf(s.allOf[0] as JsonSchema, hints, depth + 1)
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : s.properties ? ['object'] : []
  if (types.length === 0) return junk()
  return fc.oneof(...types.map((t) => typed(t, s, hints, depth)))
}
