/** Builders shared by the dashboard tests: node adverts, history rows, a routed fake fetch, a fake EventSource. */
import type { HistoryEntry, ModelInfo, NodeInfo } from '../../../ui/src/api/types.js'

export function model(over: Partial<ModelInfo> = {}): ModelInfo {
  return {
    id: 'tiny',
    capabilities: { chat: true, completion: true, embeddings: false, tools: false, vision: false },
    loaded: true,
    contextLength: 512,
    quantization: 'F32',
    sizeBytes: 493_888,
    slotsTotal: 2,
    slotsBusy: 0,
    queueDepth: 0,
    tokensPerSecond: 0,
    avgServiceMs: 0,
    ...over
  }
}

export function node(over: Partial<NodeInfo> = {}): NodeInfo {
  return {
    self: false,
    peer_id: '12D3KooWtest',
    name: 'n1',
    status: 'alive',
    addresses: ['/ip4/10.0.0.5/tcp/32769/p2p/12D3KooWtest'],
    last_seen_ms_ago: 500,
    version: '0.1.0',
    httpUrl: 'http://10.0.0.5:32768',
    startedAt: 1_700_000_000_000,
    models: [model()],
    cpu: { cores: 8, load1: 0.5 },
    memory: { totalBytes: 16 * 2 ** 30, freeBytes: 8 * 2 ** 30 },
    gpus: [],
    inFlight: 0,
    ...over
  }
}

/** A row of GET /api/history as the agent sends it. */
export function historyRow(over: Partial<HistoryEntry> = {}): HistoryEntry {
  const ts = over.ts ?? Date.UTC(2025, 0, 31, 12, 0, 0)
  return {
    id: 'req-1',
    ts,
    time: new Date(ts).toISOString(),
    api: 'chat',
    model: 'tiny',
    stream: true,
    ingressNode: 'n1',
    servedBy: 'n2',
    route: 'forwarded',
    reason: 'least-loaded',
    hops: 1,
    clientAddress: '10.0.0.9',
    apiKeyId: 'k1',
    status: 200,
    outcome: 'success',
    error: null,
    durationMs: 840,
    ttftMs: 120,
    queueWaitMs: 0,
    inputTokens: 20,
    outputTokens: 64,
    tokensEstimated: false,
    ...over
  }
}

export interface Recorded {
  method: string
  url: string
  headers: Record<string, string>
  body: unknown
}

/** A function of the request, or a fixed JSON body. */
type Handler = ((req: Recorded) => Response | unknown | Promise<Response | unknown>) | object

/** A fetch that answers from `routes` ("GET /api/nodes" → handler); unknown routes get the agent's JSON 404. */
export function fakeFetch(routes: Record<string, Handler>): typeof fetch & { calls: Recorded[] } {
  const calls: Recorded[] = []
  const f = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = String(input)
    const method = (init.method ?? 'GET').toUpperCase()
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]))
    const req: Recorded = { method, url, headers, body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined }
    calls.push(req)
    const path = url.split('?')[0]
    const handler = routes[`${method} ${path}`]
    if (!handler) return json(404, { error: { message: `Unknown request URL: ${method} ${path}`, type: 'not_found_error', param: null, code: 'route_not_found' } })
    const out = typeof handler === 'function' ? await (handler as (r: Recorded) => unknown)(req) : handler
    return out instanceof Response ? out : json(200, out)
  }
  return Object.assign(f as typeof fetch, { calls })
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
}

export const UNAUTHORIZED = (): Response => json(401, { error: { message: 'Sign in first', type: 'authentication_error', param: null, code: 'unauthorized' } })

/** A byte stream that yields the given text chunks one by one. */
export function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder()
  let i = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i >= chunks.length) return controller.close()
      const c = chunks[i++] as string | Uint8Array
      controller.enqueue(typeof c === 'string' ? enc.encode(c) : c)
    }
  })
}

/** A controllable EventSource for the cluster store. */
export class FakeEventSource {
  static instances: FakeEventSource[] = []
  onopen: ((ev: Event) => void) | null = null
  onerror: ((ev: Event) => void) | null = null
  closed = false
  private listeners = new Map<string, ((ev: MessageEvent<string>) => void)[]>()
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this)
  }
  addEventListener(type: string, l: (ev: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l])
  }
  close(): void {
    this.closed = true
  }
  open(): void {
    this.onopen?.(new Event('open'))
  }
  emit(type: string, data: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l({ data: JSON.stringify(data) } as MessageEvent<string>)
  }
  fail(): void {
    this.onerror?.(new Event('error'))
  }
  static last(): FakeEventSource {
    return FakeEventSource.instances[FakeEventSource.instances.length - 1] as FakeEventSource
  }
}
