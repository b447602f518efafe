/**
 * How each provider is called: authentication headers, the chat endpoint (translated or passed
 * through), and the model list (OpenAI `GET /models`, Anthropic `GET /v1/models` paged by `after_id`,
 * Gemini `models.list` paged by `pageToken`, keeping models that support `generateContent`).
 */
import { ProviderFailedError } from './provider-errors.js'
import { readText, send } from './outbound.js'
import { trimBase, type ProviderKind, type ProviderSettings } from './providers.js'

/** Anthropic API version sent with every request. */
export const ANTHROPIC_VERSION = '2023-06-01'
/** Pages of a model list read at most (a provider that pages forever stops here). */
const MAX_PAGES = 10

export function authHeaders(kind: ProviderKind, apiKey: string): Record<string, string> {
  if (kind === 'anthropic') return { 'x-api-key': apiKey, 'anthropic-version': ANTHROPIC_VERSION }
  if (kind === 'google') return { 'x-goog-api-key': apiKey }
  return { authorization: `Bearer ${apiKey}` }
}

/** URL of a provider path under its base URL. */
export function urlOf(s: Pick<ProviderSettings, 'baseUrl'>, path: string): string {
  return `${trimBase(s.baseUrl)}${path}`
}

async function getJson(s: ProviderSettings, path: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const res = await send({ provider: s.prefix, method: 'GET', url: urlOf(s, path), headers: { accept: 'application/json', ...authHeaders(s.kind, s.apiKey) }, signal })
  const text = await readText(res.body)
  if (res.status !== 200) throw new ProviderFailedError(`${s.prefix} answered HTTP ${res.status} to its model list`)
  try {
    const v: unknown = JSON.parse(text)
    if (typeof v === 'object' && v !== null) return v as Record<string, unknown>
  } catch {
    // fall through
  }
  throw new ProviderFailedError(`${s.prefix} answered its model list with a body that is not JSON`)
}

const idsOf = (list: unknown, field: string): string[] => (Array.isArray(list) ? list.map((m) => (m as Record<string, unknown>)?.[field]).filter((x): x is string => typeof x === 'string' && x.length > 0) : [])

/** The provider's model ids (without our prefix). */
export async function listModels(s: ProviderSettings, signal?: AbortSignal): Promise<string[]> {
  if (s.kind === 'anthropic') {
    const out: string[] = []
    let after: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await getJson(s, `/v1/models?limit=1000${after ? `&after_id=${encodeURIComponent(after)}` : ''}`, signal)
      out.push(...idsOf(r.data, 'id'))
      if (r.has_more !== true || typeof r.last_id !== 'string') break
      after = r.last_id
    }
    return out
  }
  if (s.kind === 'google') {
    const out: string[] = []
    let token: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await getJson(s, `/v1beta/models?pageSize=1000${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`, signal)
      const models = Array.isArray(r.models) ? (r.models as Record<string, unknown>[]) : []
      for (const m of models) {
        const methods = Array.isArray(m.supportedGenerationMethods) ? m.supportedGenerationMethods : []
        if (typeof m.name === 'string' && methods.includes('generateContent')) out.push(m.name.replace(/^models\//, ''))
      }
      if (typeof r.nextPageToken !== 'string' || !r.nextPageToken) break
      token = r.nextPageToken
    }
    return out
  }
  return idsOf((await getJson(s, '/models', signal)).data, 'id')
}

/** The chat endpoint of a provider for a model (Gemini's names the model and streams as SSE). */
export function chatUrl(s: ProviderSettings, model: string): string {
  if (s.kind === 'anthropic') return urlOf(s, '/v1/messages')
  if (s.kind === 'google') return urlOf(s, `/v1beta/models/${encodeURIComponent(model)}:streamGenerateContent?alt=sse`)
  return urlOf(s, '/chat/completions')
}
