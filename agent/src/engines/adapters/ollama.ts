/**
 * Ollama: recognised by `GET /api/version` (`{"version": …}`) together with `GET /api/tags`
 * (`{"models": [...]}`). Models from `/api/tags`, capabilities and context length from
 * `POST /api/show` (`capabilities`: completion, tools, vision, embedding; `model_info`'s
 * `<arch>.context_length`), load from `GET /api/ps` (a loaded model counts as ready, not as busy:
 * Ollama reports no queue, so this node's own count of requests in flight is the load).
 */
import { modelIdOf } from '../../protocols/ollama/to-chat.js'
import { arr, num, obj, str, type EngineHttp } from '../engine-http.js'
import { answers, DEFAULT_CONTEXT, type EngineAdapter, type EngineModelInfo } from './adapter.js'

/** Capabilities and context of one model from its `/api/show` answer. */
export function showFacts(show: Record<string, unknown>): Pick<EngineModelInfo, 'capabilities' | 'contextLength'> {
  const caps = arr(show.capabilities).filter((c): c is string => typeof c === 'string')
  const info = obj(show.model_info)
  const arch = str(info['general.architecture'])
  const ctx = (arch ? num(info[`${arch}.context_length`]) : undefined) ?? DEFAULT_CONTEXT
  const embedding = caps.includes('embedding')
  // an Ollama older than `capabilities` lists none: a chat model then
  const generates = caps.length === 0 || caps.includes('completion')
  return {
    capabilities: { chat: generates, completion: generates, embeddings: embedding, tools: caps.includes('tools'), vision: caps.includes('vision') },
    contextLength: ctx
  }
}

export const ollamaAdapter: EngineAdapter = {
  kind: 'ollama',
  api: 'ollama',
  async detect(http, signal) {
    const [version, tags] = await Promise.all([answers(http.getJson('/api/version', signal), (v) => typeof v.version === 'string'), answers(http.getJson('/api/tags', signal), (v) => Array.isArray(v.models))])
    return version && tags
  },
  async models(http: EngineHttp, signal) {
    const tags = arr(obj(await http.getJson('/api/tags', signal)).models).map(obj)
    return Promise.all(
      tags
        .filter((t) => typeof t.name === 'string')
        .map(async (t): Promise<EngineModelInfo> => {
          const name = t.name as string
          const show = obj(await http.postJson('/api/show', { model: name }, signal).catch(() => undefined))
          return { id: modelIdOf(name), upstream: name, ...showFacts(show), quantization: str(obj(t.details).quantization_level) ?? 'unknown', sizeBytes: num(t.size) ?? 0 }
        })
    )
  },
  async load() {
    return {}
  }
}
