/**
 * Any OpenAI-compatible server: recognised by an OpenAI model list at `GET /v1/models`
 * (`{"object": "list", "data": [{"id": …}]}`). Models are chat models unless their id says embedding
 * or names an image model (LocalAI, stable-diffusion.cpp's server: see IMAGE_MODEL_ID), or the
 * registration lists them in `imageModels`.
 */
import { answers, CHAT_ONLY, EMBEDDINGS_ONLY, IMAGE_MODEL_ID, IMAGE_ONLY, openAiModels, plainModel, type EngineAdapter } from './adapter.js'
import { arr } from '../engine-http.js'

export const openAiAdapter: EngineAdapter = {
  kind: 'openai',
  api: 'openai',
  detect: (http, signal) => answers(http.getJson('/v1/models', signal), (v) => Array.isArray(v.data) && arr(v.data).every((m) => typeof (m as { id?: unknown })?.id === 'string')),
  async models(http, signal) {
    return (await openAiModels(http, signal)).map((m) => plainModel(m.id, m.raw, /embed/i.test(m.id) ? EMBEDDINGS_ONLY : IMAGE_MODEL_ID.test(m.id) ? IMAGE_ONLY : CHAT_ONLY))
  },
  async load() {
    return {}
  }
}
