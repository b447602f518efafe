/**
 * The one place cloud requests leave the node, through the node's outbound policy (agent/src/net:
 * every connection's address checked when it is made). Public addresses and `outbound.allow` are
 * reachable; a base URL the operator set to a literal local address (a vLLM or LiteLLM proxy on
 * 127.0.0.1 or the LAN) is allowed for its own address only, like a registered engine; metadata
 * addresses never. Every URL sent here is built from a provider's base URL (provider-api.ts urlOf),
 * never from a client's input. No redirects are followed (a provider API never redirects; a
 * redirect is an error), and time to the response head is bounded.
 */
import { request, type Agent } from 'undici'
import { configuredAllowOf, guardedAgent, OutboundBlockedError, outboundDefaults } from '../net/index.js'
import { ProviderFailedError } from './provider-errors.js'

/** Longest wait for a provider's response head (ms): long prompts take a while to start streaming. */
export const HEAD_TIMEOUT_MS = 120_000
/** Longest silence inside a streaming body (ms). */
export const BODY_IDLE_MS = 300_000
/** Largest non-streamed body read from a provider (model lists, errors). */
export const MAX_JSON_BYTES = 8 * 1024 * 1024

/** One guarded agent per allow-list (the node's, plus a configured local base URL's address). */
const dispatchers = new Map<string, Agent>()

function dispatcherFor(url: string): Agent {
  const extra = configuredAllowOf(url)
  const allow = [...outboundDefaults(), ...(extra ? [extra] : [])]
  const key = allow.join(' ')
  let d = dispatchers.get(key)
  if (!d) {
    d = guardedAgent({ allow, headersTimeoutMs: HEAD_TIMEOUT_MS, bodyIdleTimeoutMs: BODY_IDLE_MS, connections: 64 })
    dispatchers.set(key, d)
  }
  return d
}

export interface OutboundRequest {
  provider: string
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  body?: string | Uint8Array
  signal?: AbortSignal
}

export interface OutboundResponse {
  status: number
  headers: Record<string, string>
  body: AsyncIterable<Uint8Array> & { text(): Promise<string> }
}

export async function send(req: OutboundRequest): Promise<OutboundResponse> {
  try {
    const res = await request(req.url, { method: req.method, headers: req.headers, body: req.body, signal: req.signal, dispatcher: dispatcherFor(req.url) })
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v
    return { status: res.statusCode, headers, body: res.body }
  } catch (err) {
    if (req.signal?.aborted) throw err
    const blocked = err instanceof OutboundBlockedError ? err : (err as { cause?: unknown }).cause
    if (blocked instanceof OutboundBlockedError) throw new ProviderFailedError(`${req.provider} could not be reached: ${blocked.reason} (outbound policy, see specs/security.md)`, err)
    // the message names the provider and the failure class, never the URL (a proxy URL may carry secrets)
    const code = (err as { code?: string }).code ?? (err as Error).name
    throw new ProviderFailedError(`${req.provider} could not be reached (${code})`, err)
  }
}

/** Reads a whole (bounded) body as text. */
export async function readText(body: AsyncIterable<Uint8Array>, max = MAX_JSON_BYTES): Promise<string> {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    if (size > max) throw new ProviderFailedError(`answer larger than ${max} bytes`)
    parts.push(Buffer.from(chunk))
  }
  return Buffer.concat(parts).toString('utf8')
}
