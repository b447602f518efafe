/**
 * vLLM: recognised by `GET /version` (`{"version": …}`) together with an OpenAI model list whose
 * entries are `owned_by: "vllm"` or carry `max_model_len`. Models from `/v1/models` (context from
 * `max_model_len`); load from `/metrics`: `vllm:num_requests_running` and `vllm:num_requests_waiting`.
 */
import { promSum } from '../engine-http.js'
import { answers, openAiModels, plainModel, type EngineAdapter } from './adapter.js'

export const vllmAdapter: EngineAdapter = {
  kind: 'vllm',
  api: 'openai',
  async detect(http, signal) {
    const [version, models] = await Promise.all([
      answers(http.getJson('/version', signal), (v) => typeof v.version === 'string'),
      openAiModels(http, signal).catch(() => [])
    ])
    return version && models.some((m) => m.raw.owned_by === 'vllm' || typeof m.raw.max_model_len === 'number')
  },
  async models(http, signal) {
    return (await openAiModels(http, signal)).map((m) => plainModel(m.id, m.raw))
  },
  async load(http, signal) {
    const text = await http.getText('/metrics', signal).catch(() => undefined)
    if (text === undefined) return {}
    return { running: promSum(text, 'vllm:num_requests_running'), waiting: promSum(text, 'vllm:num_requests_waiting') }
  }
}
