/**
 * What a model is and can do, read from its GGUF metadata.
 */
import { GgufFileType } from 'node-llama-cpp'
import type { ModelCapabilities } from '../interfaces.js'

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

/** `general.file_type` as the usual quantization name (`F32`, `Q4_K_M`); `unknown` when absent. */
export function quantizationName(fileType: number | undefined): string {
  if (fileType === undefined) return 'unknown'
  const name = GgufFileType[fileType]
  return name === undefined ? `type-${fileType}` : name.replace(/^(ALL|MOSTLY)_/, '')
}

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
