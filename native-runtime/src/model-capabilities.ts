/**
 * What a model can do, from its architecture and chat template: pure, so the agent's model store
 * (which reads GGUF headers without loading node-llama-cpp) and the runtime's child agree.
 */
import type { ModelCapabilities } from './interfaces.js'

/**
 * Architectures llama.cpp runs as encoders only: they embed but cannot generate, so they get no
 * generation context and no chat/completion capability.
 */
export const EMBEDDING_ONLY_ARCHITECTURES: ReadonlySet<string> = new Set([
  'bert',
  'nomic-bert',
  'nomic-bert-moe',
  'jina-bert-v2',
  'jina-bert-v3',
  'modern-bert',
  'neo-bert',
  'eurobert',
  't5encoder'
])

/**
 * Capabilities of a model. Tools are claimed only when the chat template mentions `tools` (it can then
 * render tool definitions); vision needs a multimodal projector, which this runtime does not load yet.
 */
export function capabilitiesOf(architecture: string, chatTemplate: string): ModelCapabilities {
  const generative = !EMBEDDING_ONLY_ARCHITECTURES.has(architecture)
  return {
    chat: generative,
    completion: generative,
    embeddings: true,
    tools: generative && /\btools\b/.test(chatTemplate),
    vision: false
  }
}
