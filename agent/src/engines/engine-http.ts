/**
 * How the engine module talks to one engine: the shared outbound client (address policy, bounded
 * answers) with the engine's base URL and key. Probes read whole JSON answers with a small bound;
 * inference calls get the raw response to stream.
 */
import type { Outbound, OutboundResponse } from '../net/index.js'

/** Bounds of a probe (detection, model lists, load): small answers, quickly. */
export const PROBE_LIMITS = { maxBytes: 1024 * 1024, timeoutMs: 5_000 } as const

/**
 * Bounds of the connections to engines. An engine answers a non-streamed request only when it is done
 * (a long chat answer on a CPU, an image at 20 steps: minutes), so the head may come late: waiting up
 * to 10 minutes (the OpenAI clients' own default) instead of the outbound default 10 s, which marked a
 * busy engine down and failed its request with a 503. Probes and health checks keep their own 5 s bound.
 */
export const ENGINE_OUTBOUND = { headersTimeoutMs: 600_000, bodyIdleTimeoutMs: 600_000 } as const

export class EngineHttp {
  constructor(
    private readonly outbound: Outbound,
    readonly baseUrl: string,
    private readonly apiKey?: string
  ) {}

  private headers(json: boolean): Record<string, string> {
    return { accept: 'application/json', ...(json ? { 'content-type': 'application/json' } : {}), ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) }
  }

  /** GET a JSON endpoint: its body when 2xx, else undefined (the probe did not match). */
  async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const r = await this.outbound.json(this.baseUrl + path, { headers: this.headers(false), signal }, PROBE_LIMITS)
    return r.status >= 200 && r.status < 300 ? r.body : undefined
  }

  async postJson(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const r = await this.outbound.json(this.baseUrl + path, { method: 'POST', headers: this.headers(true), body: JSON.stringify(body), signal }, PROBE_LIMITS)
    return r.status >= 200 && r.status < 300 ? r.body : undefined
  }

  /** GET a text endpoint (Prometheus `/metrics`): its text when 2xx. */
  async getText(path: string, signal?: AbortSignal): Promise<string | undefined> {
    const r = await this.outbound.text(this.baseUrl + path, { headers: { ...this.headers(false), accept: 'text/plain' }, signal }, PROBE_LIMITS)
    return r.status >= 200 && r.status < 300 ? r.text : undefined
  }

  /** An inference call: the response as it streams. */
  post(path: string, body: string | Uint8Array, signal: AbortSignal, accept = 'application/json', contentType = 'application/json'): Promise<OutboundResponse> {
    return this.outbound.request(this.baseUrl + path, { method: 'POST', headers: { ...this.headers(true), accept, 'content-type': contentType }, body, signal })
  }
}

/** The sum of a Prometheus metric's samples (all label sets), or undefined when absent. */
export function promSum(text: string, name: string): number | undefined {
  let sum: number | undefined
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (rest[0] !== ' ' && rest[0] !== '{') continue
    const value = Number(rest.slice(rest.lastIndexOf(rest.includes('}') ? '}' : ' ') + 1).trim().split(/\s+/)[0])
    if (Number.isFinite(value)) sum = (sum ?? 0) + value
  }
  return sum
}

/** A record view of an unknown JSON value. */
export const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {})
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
