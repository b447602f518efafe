/**
 * llama.cpp's server: recognised by `GET /props` answering `default_generation_settings` or
 * `total_slots`. The model from `/v1/models`; context from `/props`
 * (`default_generation_settings.n_ctx`), vision from `modalities.vision`, tools when the chat template
 * handles them (`chat_template_caps.supports_tools`, else a template that mentions tools). Load from
 * `GET /slots` (`is_processing` per slot), else `/metrics` (`llamacpp:requests_processing`,
 * `llamacpp:requests_deferred`, needs `--metrics`); slots from `total_slots`.
 */
import { arr, num, obj, str } from '../engine-http.js'
import { answers, DEFAULT_CONTEXT, openAiModels, type EngineAdapter, type EngineLoad } from './adapter.js'
import { promSum } from '../engine-http.js'

export const llamaCppAdapter: EngineAdapter = {
  kind: 'llamacpp',
  api: 'openai',
  detect: (http, signal) => answers(http.getJson('/props', signal), (v) => typeof v.default_generation_settings === 'object' || typeof v.total_slots === 'number'),
  async models(http, signal) {
    const [props, list] = await Promise.all([http.getJson('/props', signal).then(obj), openAiModels(http, signal)])
    const gen = obj(props.default_generation_settings)
    const ctx = num(gen.n_ctx) ?? num(obj(gen.params).n_ctx) ?? DEFAULT_CONTEXT
    const template = str(props.chat_template) ?? ''
    const tplCaps = obj(props.chat_template_caps)
    const tools = typeof tplCaps.supports_tools === 'boolean' ? tplCaps.supports_tools : template.includes('tools')
    const vision = obj(props.modalities).vision === true
    return list.map((m) => ({
      id: m.id,
      upstream: m.id,
      capabilities: { chat: true, completion: true, embeddings: false, tools, vision },
      contextLength: ctx,
      quantization: 'unknown',
      sizeBytes: num(obj(m.raw.meta).size) ?? 0
    }))
  },
  async load(http, signal): Promise<EngineLoad> {
    const props = obj(await http.getJson('/props', signal).catch(() => undefined))
    const slots = num(props.total_slots)
    const list = await http.getJson('/slots', signal).catch(() => undefined)
    if (Array.isArray(list)) return { slots: slots ?? list.length, running: arr(list).filter((s) => obj(s).is_processing === true).length }
    const metrics = await http.getText('/metrics', signal).catch(() => undefined)
    if (metrics === undefined) return slots === undefined ? {} : { slots }
    return { ...(slots === undefined ? {} : { slots }), running: promSum(metrics, 'llamacpp:requests_processing'), waiting: promSum(metrics, 'llamacpp:requests_deferred') }
  }
}
