/**
 * LM Studio: recognised by its REST API `GET /api/v0/models` (an OpenAI-style list whose entries have
 * `type`: `llm`, `vlm` or `embeddings`). Models from that list: capabilities from `type` (and
 * `capabilities: ["tool_use"]` where reported), context from `max_context_length`, quantization as
 * reported. LM Studio loads a model on first use (JIT), so `not-loaded` models are listed too. No load
 * figures are exposed: this node's own count is the load.
 */
import { arr, num, obj, str } from '../engine-http.js'
import { answers, DEFAULT_CONTEXT, type EngineAdapter } from './adapter.js'

const TYPES = new Set(['llm', 'vlm', 'embeddings'])

export const lmStudioAdapter: EngineAdapter = {
  kind: 'lmstudio',
  api: 'openai',
  detect: (http, signal) => answers(http.getJson('/api/v0/models', signal), (v) => arr(v.data).some((m) => TYPES.has(String(obj(m).type)))),
  async models(http, signal) {
    const list = arr(obj(await http.getJson('/api/v0/models', signal)).data).map(obj)
    return list
      .filter((m) => typeof m.id === 'string' && TYPES.has(String(m.type)))
      .map((m) => {
        const embeddings = m.type === 'embeddings'
        const caps = arr(m.capabilities)
        return {
          id: m.id as string,
          upstream: m.id as string,
          capabilities: { chat: !embeddings, completion: !embeddings, embeddings, tools: caps.includes('tool_use'), vision: m.type === 'vlm' },
          contextLength: num(m.loaded_context_length) ?? num(m.max_context_length) ?? DEFAULT_CONTEXT,
          quantization: str(m.quantization) ?? 'unknown',
          sizeBytes: 0
        }
      })
  },
  async load() {
    return {}
  }
}
