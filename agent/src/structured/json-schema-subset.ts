/**
 * Checks a client's JSON schema and reduces it to what grammar-constrained decoding enforces
 * (node-llama-cpp's JSON-schema grammar): types, properties/required/additionalProperties, items and
 * prefixItems with min/maxItems, enum/const, anyOf/oneOf, string min/maxLength and date/time formats,
 * local `$defs` references. Annotations are dropped. A keyword the grammar cannot enforce is refused by
 * name (never silently ignored), and a malformed schema is refused too: both are 400s.
 */
import { InvalidRequestError } from '../errors/errors.js'

type Schema = Record<string, unknown>

/** Keywords that only describe (no constraint), dropped. */
const ANNOTATIONS = new Set(['title', '$schema', '$id', '$comment', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'strict', 'name'])
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'])
const FORMATS = new Set(['date-time', 'time', 'date'])
/** Keywords passed through for their type once their values are checked. */
const KEPT = new Set(['type', 'description', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'format', 'enum', 'const', 'anyOf', 'oneOf', '$ref', '$defs', 'definitions', 'nullable'])

/** The grammar-ready form of `schema`; throws a 400 naming `param` and the offending keyword. */
export function grammarSchema(schema: unknown, param: string): Schema {
  return new Reducer(param).reduce(schema, '')
}

class Reducer {
  constructor(private readonly param: string) {}

  private malformed(path: string, why: string): never {
    throw new InvalidRequestError(`Malformed JSON schema at '${path || '/'}': ${why}`, this.param)
  }

  private unsupported(path: string, keyword: string): never {
    throw new InvalidRequestError(
      `The JSON schema keyword '${keyword}' (at '${path || '/'}') cannot be enforced by constrained decoding; remove it or describe the constraint in the prompt`,
      this.param
    )
  }

  reduce(schema: unknown, path: string): Schema {
    if (schema === true) return {}
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) this.malformed(path, 'a schema must be an object')
    const s = schema as Schema
    const out: Schema = {}
    for (const [k, v] of Object.entries(s)) {
      if (ANNOTATIONS.has(k)) continue
      if (!KEPT.has(k)) {
        if (this.harmless(k, v, s)) continue
        this.unsupported(`${path}/${k}`, k)
      }
      out[k] = v
    }
    return this.typed(out, path)
  }

  /** Keywords that constrain nothing in their usual client-generated form (zod's safe-integer bounds, `additionalProperties`-like closers). */
  private harmless(k: string, v: unknown, s: Schema): boolean {
    if ((k === 'minimum' || k === 'maximum') && s.type === 'integer') return Math.abs(v as number) >= Number.MAX_SAFE_INTEGER
    if (k === 'unevaluatedProperties') return v === false
    if (k === 'uniqueItems') return v === false
    return false
  }

  private typed(s: Schema, path: string): Schema {
    const list = (k: string): unknown[] => {
      if (!Array.isArray(s[k])) this.malformed(`${path}/${k}`, `'${k}' must be an array`)
      return s[k] as unknown[]
    }
    const count = (k: string): void => {
      if (s[k] !== undefined && !(Number.isInteger(s[k]) && (s[k] as number) >= 0)) this.malformed(`${path}/${k}`, `'${k}' must be a non-negative integer`)
    }
    for (const k of ['minItems', 'maxItems', 'minProperties', 'maxProperties', 'minLength', 'maxLength']) count(k)
    if (s.description !== undefined && typeof s.description !== 'string') delete s.description
    if (s.format !== undefined && !FORMATS.has(String(s.format))) this.unsupported(`${path}/format`, `format: ${String(s.format)}`)
    if (s.enum !== undefined && list('enum').length === 0) this.malformed(`${path}/enum`, "'enum' must not be empty")
    // the grammar matches literal values of the primitive types only
    const primitive = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v)
    if (s.enum !== undefined && !list('enum').every(primitive)) this.unsupported(`${path}/enum`, 'enum of objects or arrays')
    if ('const' in s && !primitive(s.const)) this.unsupported(`${path}/const`, 'const of an object or array')
    for (const k of ['anyOf', 'oneOf'] as const) {
      if (s[k] === undefined) continue
      const alts = list(k).map((a, i) => this.reduce(a, `${path}/${k}/${i}`))
      if (alts.length === 0) this.malformed(`${path}/${k}`, `'${k}' must not be empty`)
      delete s[k]
      s.oneOf = alts
    }
    if (s.definitions !== undefined) {
      s.$defs = { ...(s.definitions as Schema), ...((s.$defs as Schema | undefined) ?? {}) }
      delete s.definitions
    }
    if (s.$defs !== undefined) {
      if (typeof s.$defs !== 'object' || s.$defs === null) this.malformed(`${path}/$defs`, "'$defs' must be an object")
      s.$defs = Object.fromEntries(Object.entries(s.$defs as Schema).map(([k, v]) => [k, this.reduce(v, `${path}/$defs/${k}`)]))
    }
    if (s.$ref !== undefined) {
      const ref = String(s.$ref)
      const m = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref)
      if (m === null) this.unsupported(`${path}/$ref`, `$ref: ${ref}`)
      s.$ref = `#/$defs/${m[1] as string}`
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type]
      for (const t of types) if (typeof t !== 'string' || !TYPES.has(t)) this.malformed(`${path}/type`, `unknown type ${JSON.stringify(t)}`)
      if (types.length === 0) this.malformed(`${path}/type`, "'type' must not be empty")
    }
    if (s.properties !== undefined) {
      if (typeof s.properties !== 'object' || s.properties === null || Array.isArray(s.properties)) this.malformed(`${path}/properties`, "'properties' must be an object")
      s.properties = Object.fromEntries(Object.entries(s.properties as Schema).map(([k, v]) => [k, this.reduce(v, `${path}/properties/${k}`)]))
    }
    if (s.required !== undefined && !list('required').every((r) => typeof r === 'string')) this.malformed(`${path}/required`, "'required' must list property names")
    if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean') s.additionalProperties = this.reduce(s.additionalProperties, `${path}/additionalProperties`)
    if (s.items !== undefined) {
      if (Array.isArray(s.items)) s.prefixItems = s.items.map((x, i) => this.reduce(x, `${path}/items/${i}`))
      else if (s.items === false) s.maxItems = Math.min((s.maxItems as number | undefined) ?? Infinity, ((s.prefixItems as unknown[] | undefined) ?? []).length)
      else s.items = this.reduce(s.items, `${path}/items`)
      if (Array.isArray(s.items) || s.items === false) delete s.items
    }
    if (s.prefixItems !== undefined) s.prefixItems = list('prefixItems').map((x, i) => (typeof x === 'object' && x !== null && !('type' in x) && Object.keys(x).length === 0 ? {} : this.reduce(x, `${path}/prefixItems/${i}`)))
    return this.shaped(s, path)
  }

  /** Fills in what the grammar needs: a type where the schema implies one, several types as alternatives. */
  private shaped(s: Schema, path: string): Schema {
    if (s.nullable === true) {
      delete s.nullable
      return { oneOf: [this.shaped(s, path), { type: 'null' }] }
    }
    delete s.nullable
    if (s.type === undefined) {
      if (s.properties !== undefined || s.additionalProperties !== undefined) s.type = 'object'
      else if (s.items !== undefined || s.prefixItems !== undefined) s.type = 'array'
    }
    const types = Array.isArray(s.type) ? (s.type as string[]) : null
    if (types !== null && types.some((t) => t === 'object' || t === 'array')) {
      const { type: _t, ...rest } = s
      return { oneOf: types.map((t) => ({ ...rest, type: t })) }
    }
    if (s.type === 'object' && s.properties === undefined && s.additionalProperties === undefined) s.additionalProperties = true
    if (s.type === undefined && s.enum === undefined && s.const === undefined && s.oneOf === undefined && s.$ref === undefined) return { ...s, ...ANY }
    return s
  }
}

/** Any JSON value. */
const ANY: Schema = {
  oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'object', additionalProperties: true }, { type: 'array' }]
}

/** The schema `json_object` asks for: any JSON object. */
export const ANY_OBJECT: Schema = { type: 'object', additionalProperties: true }
