/**
 * Property-based fuzzing of every HTTP route a node documents in its OpenAPI document (the route table:
 * a route added later is fuzzed the moment it is registered). Each case is a real request to a running
 * node: path parameters, query strings and bodies drawn from the route's own schemas (mostly valid, so
 * cases reach the handlers, sometimes not), malformed JSON, raw bytes, wrong content types.
 *
 * The property: no 5xx but 503; every error in its API's own shape (OpenAI, Anthropic, Ollama); the
 * node answers every case (no reset connection, no crash). fast-check shrinks a failing case.
 */
import fc from 'fast-check'
import { request } from 'undici'
import { valueOf, type Hints, type JsonSchema } from './schema-arbitrary.js'

export interface FuzzRoute {
  method: string
  /** OpenAPI path template, e.g. `/api/users/{id}`. */
  path: string
  pathParams: string[]
  query: { name: string; schema: JsonSchema }[]
  body?: JsonSchema
}

interface OpenApiOperation {
  parameters?: { name: string; in: string; schema?: JsonSchema }[]
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> }
}

/** Every documented route of the node at `url`. */
export async function routesOf(url: string): Promise<FuzzRoute[]> {
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Record<string, OpenApiOperation>> }
  const out: FuzzRoute[] = []
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = op.parameters ?? []
      const body = op.requestBody?.content?.['application/json']?.schema
      out.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        ...(body ? { body } : {})
      })
    }
  }
  return out
}

/** One generated request. */
export interface FuzzCase {
  path: string
  headers: Record<string, string>
  body?: string | Uint8Array
}

/** Error body shapes by API: Anthropic's on /v1/messages, Ollama's bare string on its routes, OpenAI's elsewhere. */
const OLLAMA = new Set(['/api/chat', '/api/generate', '/api/embed', '/api/embeddings', '/api/tags', '/api/ps', '/api/show', '/api/version', '/api/pull', '/api/delete', '/api/copy'])

export function errorShapeProblem(path: string, body: unknown): string | undefined {
  const b = body as { type?: unknown; error?: unknown }
  if (path.startsWith('/v1/messages')) {
    const e = b?.error as { type?: unknown; message?: unknown } | undefined
    return b?.type === 'error' && typeof e?.type === 'string' && typeof e?.message === 'string' ? undefined : 'not an Anthropic error'
  }
  if (OLLAMA.has(path)) return typeof b?.error === 'string' ? undefined : 'not an Ollama error'
  const e = b?.error as { type?: unknown; message?: unknown; code?: unknown } | undefined
  return typeof e?.message === 'string' && typeof e?.type === 'string' && 'code' in (e ?? {}) ? undefined : 'not an OpenAI error'
}

/** Routes whose handlers delete or unload what they are named after: never handed the real model. */
const destructive = (r: FuzzRoute): boolean => r.method === 'DELETE' || r.path.includes('unload') || r.path === '/api/delete'

const enc = encodeURIComponent

/** Requests for `route`. `hints` seeds field values (the real model id, known ids). */
export function caseArbitrary(route: FuzzRoute, hints: Hints): fc.Arbitrary<FuzzCase> {
  const h: Hints = destructive(route) ? { ...hints, model: [], name: [], id: [] } : hints
  const segment = fc.oneof(
    { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map(enc) },
    { weight: 2, arbitrary: fc.constantFrom(...((h.id?.length ?? 0) > 0 ? (h.id as string[]) : ['x'])).map((s) => enc(String(s))) },
    { weight: 1, arbitrary: fc.constantFrom('..', '%2e%2e%2f', '%00', 'a%2Fb', '%', '%ZZ', '~') }
  )
  const params = fc.tuple(...route.pathParams.map(() => segment))
  const query = fc.record(Object.fromEntries(route.query.map((q) => [q.name, valueOf(q.schema, h).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))])), { requiredKeys: [] })
  const extra = fc.option(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })), { nil: undefined })
  const json = route.body ? valueOf(route.body, h).map((v) => JSON.stringify(v)) : fc.constant(undefined)
  const body = fc.oneof(
    { weight: 12, arbitrary: json },
    { weight: 1, arbitrary: json.map((s) => (s === undefined ? '{' : s.slice(0, Math.max(1, Math.floor(s.length / 2))))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) }
  )
  const contentType = fc.oneof({ weight: 10, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'garbage/???', '') })
  return fc.record({ params, query, extra, body, contentType }).map(({ params, query, extra, body, contentType }) => {
    let i = 0
    const path = route.path.replace(/\{[^}]+\}/g, () => params[i++] ?? 'x')
    const qs = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'))
    if (extra) qs.append(extra[0], extra[1])
    const q = qs.toString()
    const hasBody = route.body !== undefined || route.method === 'POST'
    const headers: Record<string, string> = hasBody && contentType ? { 'content-type': contentType } : {}
    return { path: q ? `${path}?${q}` : path, headers, ...(hasBody && body !== undefined ? { body } : {}) }
  })
}

export interface CaseOutcome {
  status: number
  problem?: string
}

/** Sends one case; resolves with its status and what is wrong with the answer, if anything. */
export async function sendCase(url: string, route: FuzzRoute, c: FuzzCase, timeoutMs = 120_000): Promise<CaseOutcome> {
  let res
  try {
    res = await request(`${url}${c.path}`, { method: route.method as 'GET', headers: c.headers, body: c.body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
  } catch (err) {
    return { status: 0, problem: `no answer: ${(err as Error).message}` }
  }
  const type = String(res.headers['content-type'] ?? '')
  // an event stream that never ends (the dashboard's events): its head is the answer
  if (res.statusCode < 400 && type.includes('text/event-stream') && route.method === 'GET') {
    res.body.destroy()
    return { status: res.statusCode }
  }
  let text: string
  try {
    text = await res.body.text()
  } catch (err) {
    return { status: res.statusCode, problem: `body broke: ${(err as Error).message}` }
  }
  if (res.statusCode >= 500 && res.statusCode !== 503) return { status: res.statusCode, problem: `${res.statusCode}: ${text.slice(0, 200)}` }
  if (res.statusCode >= 400 && route.path !== '/') {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return { status: res.statusCode, problem: `error body is not JSON: ${text.slice(0, 120)}` }
    }
    const p = errorShapeProblem(route.path, parsed)
    if (p) return { status: res.statusCode, problem: `${p}: ${text.slice(0, 200)}` }
  }
  return { status: res.statusCode }
}

export interface RouteReport {
  route: string
  cases: number
  /** Answers by status class (2xx, 4xx, 503…). */
  statuses: Record<string, number>
  /** The shrunk failing case and what was wrong, when the property failed. */
  failure?: { problem: string; case: FuzzCase; /** Replays this draw (LLMLB_FUZZ_SEED). */ seed: number }
}

/** Fuzzes one route with `runs` cases (stops at the first failure, shrunk). */
export async function fuzzRoute(url: string, route: FuzzRoute, runs: number, hints: Hints, seed?: number): Promise<RouteReport> {
  const statuses: Record<string, number> = {}
  let lastProblem = ''
  let cases = 0
  const result = await fc.check(
    fc.asyncProperty(caseArbitrary(route, hints), async (c) => {
      const o = await sendCase(url, route, c)
      cases++
      const cls = o.status === 503 || o.status === 0 ? String(o.status) : `${Math.floor(o.status / 100)}xx`
      statuses[cls] = (statuses[cls] ?? 0) + 1
      if (o.problem) lastProblem = o.problem
      return o.problem === undefined
    }),
    { numRuns: runs, ...(seed === undefined ? {} : { seed }) }
  )
  const report: RouteReport = { route: `${route.method} ${route.path}`, cases, statuses }
  if (result.failed && result.counterexample) report.failure = { problem: lastProblem, case: result.counterexample[0], seed: result.seed }
  return report
}

/** Whether a route's valid cases run the model (its body names one): those cases cost a generation each. */
export const runsModel = (r: FuzzRoute): boolean => r.method === 'POST' && r.body?.properties?.model !== undefined

/** Fuzzes every route (`runs` cases each, or per route), `parallel` routes at a time. */
export async function fuzzAll(url: string, routes: FuzzRoute[], runs: number | ((r: FuzzRoute) => number), hints: Hints, parallel = 4, seed?: number): Promise<RouteReport[]> {
  const runsOf = typeof runs === 'number' ? () => runs : runs
  const out: RouteReport[] = new Array(routes.length)
  let next = 0
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < routes.length) {
      const i = next++
      out[i] = await fuzzRoute(url, routes[i] as FuzzRoute, runsOf(routes[i] as FuzzRoute), hints, seed)
    }
  }))
  return out
}
