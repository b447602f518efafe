import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { grammarSchema } from '../../../../agent/src/structured/json-schema-subset.js'
import { InvalidRequestError } from '../../../../agent/src/errors/errors.js'

const P = 'response_format.json_schema.schema'
const refused = (schema: unknown): InvalidRequestError => {
  try {
    grammarSchema(schema, P)
  } catch (err) {
    return err as InvalidRequestError
  }
  throw new Error('expected a refusal')
}

describe('grammarSchema', () => {
  it('keeps what the grammar enforces and drops annotations', () => {
    expect(
      grammarSchema(
        { $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'T', type: 'object', description: 'd', properties: { a: { type: 'string', maxLength: 4, default: 'x' }, b: { enum: [1, 2] } }, required: ['a'], additionalProperties: false },
        P
      )
    ).toEqual({ type: 'object', description: 'd', properties: { a: { type: 'string', maxLength: 4 }, b: { enum: [1, 2] } }, required: ['a'], additionalProperties: false })
  })

  it('rewrites anyOf to oneOf, nullable and mixed type lists to alternatives, definitions to $defs', () => {
    expect(grammarSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] }, P)).toEqual({ oneOf: [{ type: 'string' }, { type: 'null' }] })
    expect(grammarSchema({ type: 'integer', nullable: true }, P)).toEqual({ oneOf: [{ type: 'integer' }, { type: 'null' }] })
    expect(grammarSchema({ type: ['object', 'null'], properties: {} }, P)).toEqual({ oneOf: [{ type: 'object', properties: {} }, { type: 'null', properties: {} }] })
    expect(grammarSchema({ definitions: { x: { type: 'boolean' } }, $ref: '#/definitions/x' }, P)).toEqual({ $defs: { x: { type: 'boolean' } }, $ref: '#/$defs/x' })
  })

  it('accepts what zod 4 writes for common schemas (safe-integer bounds included)', () => {
    const schema = z.toJSONSchema(z.object({ n: z.number().int(), tag: z.string().max(5), kind: z.enum(['a', 'b']), opt: z.boolean().optional(), list: z.array(z.string()).max(3) }))
    const out = grammarSchema(schema, P)
    expect(out.properties).toMatchObject({ n: { type: 'integer' }, tag: { type: 'string', maxLength: 5 }, kind: { enum: ['a', 'b'] }, list: { type: 'array', maxItems: 3 } })
    expect(JSON.stringify(out)).not.toContain('minimum')
  })

  it('an empty schema or an object without properties is any value / any object', () => {
    expect(grammarSchema({}, P).oneOf).toHaveLength(3)
    expect(grammarSchema({ type: 'object' }, P)).toEqual({ type: 'object', additionalProperties: true })
  })

  it('refuses keywords it cannot enforce, by name', () => {
    for (const [schema, word] of [
      [{ type: 'string', pattern: '^a$' }, "'pattern'"],
      [{ type: 'number', minimum: 3 }, "'minimum'"],
      [{ type: 'string', format: 'email' }, 'format: email'],
      [{ type: 'array', uniqueItems: true }, "'uniqueItems'"],
      [{ allOf: [{ type: 'string' }] }, "'allOf'"],
      [{ not: { type: 'string' } }, "'not'"],
      [{ $ref: 'https://example.com/s.json' }, '$ref: https://example.com/s.json'],
      [{ type: 'object', properties: { a: { type: 'integer', multipleOf: 2 } } }, '/properties/a/multipleOf'],
      [{ const: { a: 1 } }, 'const of an object'],
      [{ enum: ['a', ['b']] }, 'enum of objects']
    ] as const) {
      const err = refused(schema)
      expect(err.code).toBe('invalid_request')
      expect(err.param).toBe(P)
      expect(err.message).toContain(word)
    }
  })

  it('refuses malformed schemas', () => {
    for (const schema of [[], 'x', { type: 'strnig' }, { properties: [] }, { required: 'a' }, { enum: [] }, { minItems: -1 }, { anyOf: 'x' }]) {
      expect(refused(schema).message).toContain('Malformed JSON schema')
    }
  })
})
