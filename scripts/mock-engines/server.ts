/**
 * The HTTP shell of every mock engine: a node:http server on 127.0.0.1 that routes `METHOD /path`
 * to handlers, counts requests, can be stopped and restarted on the same port (an engine that dies
 * and comes back), and reports a load the test sets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** `body`: the request parsed as JSON ({} when it is not JSON); `raw`: its bytes (multipart uploads). */
export type Handler = (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, raw: Buffer) => void | Promise<void>

/** One model a mock engine serves. */
export interface MockModel {
  id: string
  /** Chat, embeddings or image generation (`/v1/images/*`). @default 'chat' */
  type?: 'chat' | 'embeddings' | 'image'
  vision?: boolean
  tools?: boolean
  contextLength?: number
}

export interface MockEngineOptions {
  models?: MockModel[]
  /** The text every chat answer is (split into words when streamed). @default 'Hello from the mock engine' */
  answer?: string
  /** Parallel requests reported (llama.cpp slots). @default 2 */
  slots?: number
  /** A port to listen on (a restarted engine keeps its port). @default 0 */
  port?: number
  /** The bearer token the engine requires (401 otherwise). */
  apiKey?: string
}

export interface MockEngine {
  url: string
  port: number
  kind: string
  /** Requests per `METHOD /path`. */
  hits: Map<string, number>
  /** Load the engine reports: requests running and waiting. */
  load: { running: number; waiting: number }
  /** Inference requests answered. */
  served: () => number
  /** While true, inference requests get their connection reset before any answer (a crashing engine). */
  failInference: boolean
  /** Milliseconds every inference request waits before its answer starts (a slow engine). @default 0 */
  delayMs: number
  /** Stops listening and drops every connection (the engine died). */
  stop(): Promise<void>
  /** Listens again on the same port. */
  restart(): Promise<void>
}

export const json = (res: ServerResponse, status: number, value: unknown): void => {
  const text = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

async function readBody(req: IncomingMessage): Promise<{ json: Record<string, unknown>; raw: Buffer }> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const raw = Buffer.concat(chunks)
  if (chunks.length === 0) return { json: {}, raw }
  try {
    return { json: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, raw }
  } catch {
    return { json: {}, raw }
  }
}

/** Serves `routes` (keys `GET /path`); inference paths are counted in `served`. */
export async function serveMock(kind: string, routes: Record<string, Handler>, opts: MockEngineOptions, load: { running: number; waiting: number }): Promise<MockEngine> {
  const hits = new Map<string, number>()
  let served = 0
  const inference = /\/(chat\/completions|completions|embeddings|chat|generate|embed|images\/generations|images\/edits|images\/variations)$/
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const key = `${req.method} ${path}`
    hits.set(key, (hits.get(key) ?? 0) + 1)
    const { json: body, raw } = req.method === 'POST' ? await readBody(req) : { json: {}, raw: Buffer.alloc(0) }
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) return json(res, 401, { error: { message: 'Invalid API key', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
    const h = routes[key]
    if (!h) return json(res, 404, kind === 'ollama' ? { error: '404 page not found' } : { detail: 'Not Found' })
    if (inference.test(path)) {
      if (engine.failInference) return void req.socket.destroy()
      if (engine.delayMs > 0) await new Promise((r) => setTimeout(r, engine.delayMs))
      served++
    }
    await h(req, res, body, raw)
  }
  let server: Server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()))
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  const engine: MockEngine = {
    url: `http://127.0.0.1:${port}`,
    port,
    kind,
    hits,
    load,
    served: () => served,
    failInference: false,
    delayMs: 0,
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    },
    async restart() {
      server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()))
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
    }
  }
  return engine
}

/** The answer's words, each with its leading space, for streaming. */
export const wordsOf = (text: string): string[] => text.split(/(?= )/)

/** A small deterministic embedding of a text. */
export const embeddingOf = (text: string, dims = 8): number[] => Array.from({ length: dims }, (_, i) => ((text.charCodeAt(i % Math.max(1, text.length)) || 0) % 17) / 17)

/** Rough token count (whitespace words), as mocks report usage. */
export const tokensOf = (text: string): number => text.split(/\s+/).filter(Boolean).length
