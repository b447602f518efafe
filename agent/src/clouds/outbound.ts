/**
 * The one place cloud requests leave the node (plain undici): the outbound request policy (allow-list,
 * limits) can wrap `send` here without touching the providers. No redirects are followed (a provider
 * API never redirects; a redirect is an error), and time to the response head is bounded.
 */
import { Agent, request } from 'undici'
import { ProviderFailedError } from './provider-errors.js'

/** Longest wait for a provider's response head (ms): long prompts take a while to start streaming. */
export const HEAD_TIMEOUT_MS = 120_000
/** Longest silence inside a streaming body (ms). */
export const BODY_IDLE_MS = 300_000
/** Largest non-streamed body read from a provider (model lists, errors). */
export const MAX_JSON_BYTES = 8 * 1024 * 1024

const dispatcher = new Agent({ headersTimeout: HEAD_TIMEOUT_MS, bodyTimeout: BODY_IDLE_MS, connections: 64 })

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
    const res = await request(req.url, { method: req.method, headers: req.headers, body: req.body, signal: req.signal, dispatcher })
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v
    return { status: res.statusCode, headers, body: res.body }
  } catch (err) {
    if (req.signal?.aborted) throw err
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
