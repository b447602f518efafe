/**
 * stable-diffusion.cpp's server (`sd-server`): recognised by its native `GET /sdcpp/v1/capabilities`
 * (`supported_modes` and the loaded `model`). It serves one model, which its OpenAI model list calls
 * `sd-cpp-local` whatever it is: the model is advertised by its file's stem (`model.stem`) and asked
 * for upstream by the list's name. An image model only, when `img_gen` is among its modes. It runs one
 * generation at a time and exposes no load.
 */
import { arr, obj, str } from '../engine-http.js'
import { answers, DEFAULT_CONTEXT, IMAGE_ONLY, openAiModels, type EngineAdapter } from './adapter.js'

const CAPABILITIES = '/sdcpp/v1/capabilities'

export const sdCppAdapter: EngineAdapter = {
  kind: 'sdcpp',
  api: 'openai',
  detect: (http, signal) => answers(http.getJson(CAPABILITIES, signal), (v) => Array.isArray(v.supported_modes) && typeof v.model === 'object' && v.model !== null),
  async models(http, signal) {
    const [caps, list] = await Promise.all([http.getJson(CAPABILITIES, signal).then(obj), openAiModels(http, signal)])
    if (!arr(caps.supported_modes).includes('img_gen')) return []
    const model = obj(caps.model)
    const upstream = list[0]?.id ?? 'sd-cpp-local'
    const id = str(model.stem) || str(model.name) || upstream
    return [{ id, upstream, capabilities: IMAGE_ONLY, contextLength: DEFAULT_CONTEXT, quantization: 'unknown', sizeBytes: 0 }]
  },
  async load() {
    return { slots: 1 }
  }
}
