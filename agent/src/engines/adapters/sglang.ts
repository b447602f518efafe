/**
 * SGLang: recognised by `GET /get_model_info` (`model_path` and `is_generation`). Models from
 * `/v1/models`; an embedding server (`is_generation: false`) serves embeddings only. Load from
 * `/metrics` (`sglang:num_running_reqs`, `sglang:num_queue_reqs`, needs `--enable-metrics`).
 */
import { obj, promSum } from '../engine-http.js'
import { answers, CHAT_ONLY, EMBEDDINGS_ONLY, openAiModels, plainModel, type EngineAdapter } from './adapter.js'

export const sglangAdapter: EngineAdapter = {
  kind: 'sglang',
  api: 'openai',
  detect: (http, signal) => answers(http.getJson('/get_model_info', signal), (v) => typeof v.model_path === 'string' && typeof v.is_generation === 'boolean'),
  async models(http, signal) {
    const [info, list] = await Promise.all([http.getJson('/get_model_info', signal).then(obj), openAiModels(http, signal)])
    const caps = info.is_generation === false ? EMBEDDINGS_ONLY : CHAT_ONLY
    return list.map((m) => plainModel(m.id, m.raw, caps))
  },
  async load(http, signal) {
    const text = await http.getText('/metrics', signal).catch(() => undefined)
    if (text === undefined) return {}
    return { running: promSum(text, 'sglang:num_running_reqs'), waiting: promSum(text, 'sglang:num_queue_reqs') }
  }
}
