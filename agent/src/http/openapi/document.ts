/**
 * Builds the OpenAPI 3.1 document from the app's route table: each route's `config.openapi`
 * (summary, zod body and query schemas, converted with zod 4's `z.toJSONSchema`) and its `access`
 * (security). Pure: the same table always gives the same document.
 */
import { z, type ZodType } from 'zod'
import type { Access } from '../../auth/access.js'
import type { RouteDoc } from './route-doc.js'

/** One route as the app registered it. */
export interface DocumentedRoute {
  method: string
  url: string
  access?: Access
  doc?: RouteDoc
}

type JsonSchema = Record<string, unknown>

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) of what a client may send. */
export function jsonSchemaOf(schema: ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema
  return rest
}

/** `/v1/models/:id` → `/v1/models/{id}`. */
export const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

/** The group of a route in the document, from its path. */
export function tagOf(url: string): string {
  if (url === '/v1/messages' || url.startsWith('/v1/messages/')) return 'Anthropic'
  if (url.startsWith('/v1/')) return 'OpenAI'
  if (/^\/api\/(chat|generate|embed|embeddings|tags|show|ps|version|pull|delete|copy)$/.test(url)) return 'Ollama'
  return 'Admin'
}

const ERROR_SCHEMA: JsonSchema = {
  description: "The API's error shape: OpenAI's {error:{message,type,param,code}}, Anthropic's {type:'error',error:{type,message}}, Ollama's {error:string}",
  type: 'object'
}

function security(access: Access | undefined): Record<string, string[]>[] | undefined {
  if (access === undefined || access === 'public' || access === 'mesh') return access === 'public' ? [] : undefined
  if ('role' in access) return [{ session: [] }, { bearer: [] }]
  return [{ bearer: [] }, { apiKey: [] }, { session: [] }]
}

function operation(r: DocumentedRoute, doc: RouteDoc): Record<string, unknown> {
  const params: Record<string, unknown>[] = [...r.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }))
  if (doc.query) {
    const q = jsonSchemaOf(doc.query)
    const required = new Set((q.required as string[] | undefined) ?? [])
    for (const [name, schema] of Object.entries((q.properties as Record<string, JsonSchema> | undefined) ?? {})) params.push({ name, in: 'query', required: required.has(name), schema })
  }
  const sec = security(r.access)
  return {
    operationId: `${r.method.toLowerCase()}${r.url.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: doc.summary,
    tags: [doc.tag ?? tagOf(r.url)],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(doc.body ? { requestBody: { required: true, content: { [doc.bodyType ?? 'application/json']: { schema: jsonSchemaOf(doc.body) } } } } : {}),
    responses: {
      '200': { description: 'Success (JSON; streaming routes answer server-sent events or NDJSON when asked to stream)' },
      default: { description: 'Error', content: { 'application/json': { schema: ERROR_SCHEMA } } }
    },
    ...(sec ? { security: sec } : {}),
    'x-llmlb-access': r.access === undefined ? 'public' : typeof r.access === 'string' ? r.access : r.access
  }
}

/** The OpenAPI 3.1 document of `routes` (HEAD routes and hidden ones left out). */
export function openApiDocument(routes: readonly DocumentedRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of routes) {
    if (r.method === 'HEAD' || !r.doc || r.doc.hidden) continue
    const item = (paths[openApiPath(r.url)] ??= {})
    item[r.method.toLowerCase()] = operation(r, r.doc)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'llmlb',
      version,
      description: 'Every node of an llmlb cluster answers the OpenAI, Anthropic and Ollama APIs and the admin API; send any request to any node.'
    },
    servers: [{ url: '/' }],
    tags: ['OpenAI', 'Anthropic', 'Ollama', 'Admin'].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (llmlb_…)' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key, as Anthropic clients send it' },
        session: { type: 'apiKey', in: 'cookie', name: 'llmlb_session', description: 'The dashboard session (same origin only; writes need x-csrf-token)' }
      }
    }
  }
}
