import type { EngineKind } from '../schemas.js'
import type { EngineAdapter } from './adapter.js'
import { llamaCppAdapter } from './llamacpp.js'
import { lmStudioAdapter } from './lmstudio.js'
import { ollamaAdapter } from './ollama.js'
import { openAiAdapter } from './openai.js'
import { sdCppAdapter } from './sdcpp.js'
import { sglangAdapter } from './sglang.js'
import { vllmAdapter } from './vllm.js'

export type { EngineAdapter, EngineLoad, EngineModelInfo } from './adapter.js'
export { IMAGE_ONLY, IMAGE_MODEL_ID } from './adapter.js'

/** In detection order: the most specific probe first, the generic OpenAI list last. */
export const ADAPTERS: readonly EngineAdapter[] = [ollamaAdapter, lmStudioAdapter, sglangAdapter, llamaCppAdapter, vllmAdapter, sdCppAdapter, openAiAdapter]

export const adapterOf = (kind: EngineKind): EngineAdapter => ADAPTERS.find((a) => a.kind === kind) as EngineAdapter
